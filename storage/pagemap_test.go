package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strings"
)

// A reader of the bbolt file format, for tests and benchmarks that ask
// which pages a commit wrote and whose they are. It reads the file as
// bbolt left it after a commit (the pages are on disk once it is synced)
// and walks every bucket from the newest valid meta page; it knows the
// format of bbolt 1.x (page header, branch and leaf elements, bucket
// headers with inline buckets).

const (
	pmBranch   = 0x01
	pmLeaf     = 0x02
	pmMeta     = 0x04
	pmFreelist = 0x10
	pmHeader   = 16 // page header: id u64, flags u16, count u16, overflow u32
	pmElem     = 16 // branch and leaf elements are both 16 bytes
	pmBucket   = 0x01
)

// pageMap is who owns each page of one state of the file.
type pageMap struct {
	pageSize int
	txid     uint64
	hwm      uint64            // meta.pgid: the file's high water mark
	owner    map[uint64]string // page id → "bucket path leaf|branch", "freelist", "meta"
	freelist uint64
}

func readPageMap(path string) (*pageMap, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	pm, err := parsePageMap(data)
	return pm, data, err
}

func parsePageMap(data []byte) (*pageMap, error) {
	var best []byte
	var bestTx uint64
	for i := range 2 {
		// Both metas sit at their page's header; page size is in the meta.
		off := 0
		if i == 1 {
			off = int(binary.LittleEndian.Uint32(data[pmHeader+8:]))
		}
		m := data[off+pmHeader:]
		if binary.LittleEndian.Uint32(m) != 0xED0CDAED {
			continue
		}
		if tx := binary.LittleEndian.Uint64(m[48:]); best == nil || tx > bestTx {
			best, bestTx = m, tx
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no valid meta page")
	}
	pm := &pageMap{
		pageSize: int(binary.LittleEndian.Uint32(best[8:])),
		txid:     bestTx,
		freelist: binary.LittleEndian.Uint64(best[32:]),
		hwm:      binary.LittleEndian.Uint64(best[40:]),
		owner:    map[uint64]string{0: "meta", 1: "meta"},
	}
	if pm.freelist != 0xFFFFFFFFFFFFFFFF {
		p := pm.page(data, pm.freelist)
		for j := uint64(0); j <= uint64(binary.LittleEndian.Uint32(p[12:])); j++ {
			pm.owner[pm.freelist+j] = "freelist"
		}
	}
	root := binary.LittleEndian.Uint64(best[16:])
	return pm, pm.walk(data, root, "", 0)
}

func (pm *pageMap) page(data []byte, id uint64) []byte {
	return data[int(id)*pm.pageSize:]
}

// walk visits the tree rooted at page id of the bucket named path.
func (pm *pageMap) walk(data []byte, id uint64, path string, depth int) error {
	if depth > 64 {
		return fmt.Errorf("tree too deep at page %d", id)
	}
	p := pm.page(data, id)
	flags, count, overflow := binary.LittleEndian.Uint16(p[8:]), int(binary.LittleEndian.Uint16(p[10:])), uint64(binary.LittleEndian.Uint32(p[12:]))
	kind := "leaf"
	if flags&pmBranch != 0 {
		kind = "branch"
	}
	name := strings.TrimPrefix(path, "/")
	if name == "" {
		name = "(root)"
	}
	for j := uint64(0); j <= overflow; j++ {
		pm.owner[id+j] = name + " " + kind
	}
	return pm.elements(data, p, flags, count, path, depth)
}

// elements walks the children of a page (p, at its header), in a file
// (for pages of their own) or inline in a bucket value.
func (pm *pageMap) elements(data, p []byte, flags uint16, count int, path string, depth int) error {
	for i := range count {
		e := p[pmHeader+i*pmElem:]
		if flags&pmBranch != 0 {
			if err := pm.walk(data, binary.LittleEndian.Uint64(e[8:]), path, depth+1); err != nil {
				return err
			}
			continue
		}
		if flags&pmLeaf == 0 {
			return fmt.Errorf("page of %s has flags %#x", path, flags)
		}
		if binary.LittleEndian.Uint32(e)&pmBucket == 0 {
			continue
		}
		pos, ksize, vsize := int(binary.LittleEndian.Uint32(e[4:])), int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
		at := pmHeader + i*pmElem + pos
		key, val := p[at:at+ksize], p[at+ksize:at+ksize+vsize]
		sub := path + "/" + bucketLabel(key)
		if root := binary.LittleEndian.Uint64(val); root != 0 {
			if err := pm.walk(data, root, sub, depth+1); err != nil {
				return err
			}
			continue
		}
		inline := val[16:] // an inline bucket: a leaf page in the value
		if err := pm.elements(data, inline, binary.LittleEndian.Uint16(inline[8:]), int(binary.LittleEndian.Uint16(inline[10:])), sub, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// bucketLabel names a bucket key; an integration's id becomes <integration>
// so that the figures of several integrations add up.
func bucketLabel(key []byte) string {
	if bytes.HasPrefix(key, []byte("int_")) {
		return "<integration>"
	}
	return string(key)
}

// changedPages are the page ids whose bytes differ between two states of
// the file (pages past the end of the older count as changed).
func changedPages(before, after []byte, pageSize int) []uint64 {
	var out []uint64
	for off := 0; off < len(after); off += pageSize {
		end := min(off+pageSize, len(after))
		if off >= len(before) || !bytes.Equal(before[off:min(end, len(before))], after[off:end]) {
			out = append(out, uint64(off/pageSize))
		}
	}
	return out
}

// commitPages describes what one commit wrote: pages by owner (in the new
// state), how many were past the old high water mark, and how many
// contiguous stretches they form (what the disk sees as separate writes).
type commitPages struct {
	total, grown, stretches int
	byOwner                 map[string]int
}

func describeCommit(before *pageMap, beforeData []byte, after *pageMap, afterData []byte) commitPages {
	ids := changedPages(beforeData, afterData, after.pageSize)
	c := commitPages{total: len(ids), byOwner: map[string]int{}}
	for i, id := range ids {
		if id >= before.hwm {
			c.grown++
		}
		if i == 0 || ids[i-1]+1 != id {
			c.stretches++
		}
		owner, ok := after.owner[id]
		if !ok {
			owner = "(free: written, then freed)"
		}
		c.byOwner[owner]++
	}
	return c
}

// ownerTable formats counts by owner, largest first, averaged over n commits.
func ownerTable(sum map[string]int, n int) string {
	type row struct {
		owner string
		count int
	}
	var rows []row
	for o, c := range sum {
		rows = append(rows, row{o, c})
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].count > rows[j].count || rows[i].count == rows[j].count && rows[i].owner < rows[j].owner
	})
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %6.2f  %s\n", float64(r.count)/float64(n), r.owner)
	}
	return b.String()
}
