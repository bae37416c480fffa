package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	bolterrors "go.etcd.io/bbolt/errors"
)

// Damaged files. bbolt memory-maps the database and trusts what it finds:
// a truncated file makes a read past its end a SIGBUS, a bad page an index
// panic deep inside bbolt. The store keeps both from taking the process
// down:
//   - before bolt.Open, preflight reads the meta pages itself and refuses a
//     file that is not bbolt, whose meta pages are both damaged, that is
//     shorter than its own high-water mark, or that is empty beside a key
//     file (it held sealed data once, so it is not new);
//   - every transaction runs under guard, which turns memory faults
//     (debug.SetPanicOnFault) and bbolt's panics into a *CorruptError, after
//     bbolt has rolled the transaction back;
//   - a record that does not decode is a *RecordError naming bucket and key,
//     and listings skip it, keeping it in Problems.

// CorruptError says that the database file is damaged, how, and what to do.
// It matches ErrCorrupt.
type CorruptError struct {
	Path    string
	Problem string
	fault   bool // a memory fault: the mapping itself is gone
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("database %s is damaged: %s. Restore it from a backup: stop oktaflow, then copy the backup over it (cp BACKUP.db %s; backups are made with `oktaflow backup FILE`)",
		e.Path, e.Problem, e.Path)
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// RecordError is a stored record that cannot be read. It matches ErrCorrupt.
type RecordError struct {
	Bucket string // "runs", "integrations", ...
	Key    string // printable: "42", "int_k3m9x2qpa7de"
	Err    error
}

func (e *RecordError) Error() string {
	fix := "restore a backup to get it back"
	switch e.Bucket {
	case string(bucketIntegrations):
		fix = "remove it (oktaflow integration delete " + e.Key + ") or restore a backup"
	case string(bucketAccounts):
		fix = "remove it (oktaflow account remove " + e.Key + ") or restore a backup"
	case string(bucketSchemas):
		fix = "refresh the account's fields to replace it"
	}
	return fmt.Sprintf("record %s in %s cannot be read (%v); listings skip it: %s", e.Key, e.Bucket, e.Err, fix)
}

func recordErr(bucket []byte, key string, err error) error {
	return &RecordError{Bucket: string(bucket), Key: key, Err: err}
}

func (e *RecordError) Unwrap() error { return e.Err }

func (e *RecordError) Is(target error) bool { return target == ErrCorrupt }

// RecordProblem is a record a listing skipped because it could not be read.
type RecordProblem = RecordError

// problems remembers the records that failed to decode since Open, each
// once, so that what a listing skipped is still shown somewhere.
type problems struct {
	mu   sync.Mutex
	seen map[string]bool
	list []RecordProblem
}

func (p *problems) add(e *RecordError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := e.Bucket + "\x00" + e.Key
	if p.seen[id] {
		return
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[id] = true
	p.list = append(p.list, *e)
}

// Problems lists the records that could not be read since the store was
// opened (listings skip them). Nothing is repaired: restoring a backup is
// the way back.
func (s *Store) Problems() []RecordProblem {
	s.bad.mu.Lock()
	defer s.bad.mu.Unlock()
	return append([]RecordProblem(nil), s.bad.list...)
}

// skip reports err, when it is a *RecordError, as a problem and returns
// true: the caller leaves the record out of its listing. Other errors are
// the caller's.
func (s *Store) skip(err error, into *[]RecordProblem) bool {
	var re *RecordError
	if !errors.As(err, &re) {
		return false
	}
	s.bad.add(re)
	if into != nil {
		*into = append(*into, *re)
	}
	return true
}

// guard runs op so that a fault reading the mapped file or a panic inside
// bbolt becomes an error instead of a crash. bbolt's Update and View roll
// the transaction back on the way out of a panic, so the file is untouched.
//
// A memory fault latches the store damaged: the mapping itself is gone (the
// file was cut short or overwritten under it), and the rollback that should
// release bbolt's locks faults too, so that every later call would wait on
// them for good, and with it webhooks and /healthz. From then on every call
// answers the fault at once without entering bbolt, and Close does not wait
// on bbolt either. Other panics (a bad page, a bug) are not latched: their
// rollback ran, and the rest of the file stays usable.
func (s *Store) guard(op func() error) (err error) {
	if d := s.damaged.Load(); d != nil {
		return d
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = panicError(s.path, p)
			if ce, ok := err.(*CorruptError); ok && ce.fault {
				s.damaged.CompareAndSwap(nil, ce)
			}
		}
	}()
	return op()
}

// Damaged is the fault that latched the store (nil: none): a *CorruptError.
// Every call of the store answers it since.
func (s *Store) Damaged() error {
	if d := s.damaged.Load(); d != nil {
		return d
	}
	return nil
}

func panicError(path string, p any) error {
	var fault interface{ Addr() uintptr }
	if e, ok := p.(error); ok && errors.As(e, &fault) {
		return &CorruptError{Path: path, fault: true,
			Problem: fmt.Sprintf("reading it hit a memory fault (%v): the file was truncated or overwritten while open, or its pages are damaged", p)}
	}
	site, inBolt := panicSite()
	if inBolt {
		return &CorruptError{Path: path, Problem: fmt.Sprintf("the storage engine could not read it (%v at %s); its pages are likely damaged", p, site)}
	}
	return fmt.Errorf("internal error in the store (%v at %s): this is a bug, please report it; the transaction was rolled back", p, site)
}

// panicSite names the function a recovered panic started in (the first
// frame past the runtime's own), and whether that is inside bbolt.
func panicSite() (string, bool) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	pastPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			pastPanic = true
		case pastPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s:%d", f.Function, f.Line), strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return "unknown", false
		}
	}
}

// openError turns bbolt's typed complaints about a file into a
// *CorruptError. bbolt's other complaints are untyped text (a file shorter
// than its two meta pages: "file size too small"); preflight has refused
// those files already, from the file's own structure, so nothing here
// matches error text.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrInvalid):
		return &CorruptError{Path: path, Problem: "it is not an oktaflow database (no valid bbolt meta page)"}
	case errors.Is(err, bolterrors.ErrChecksum):
		return &CorruptError{Path: path, Problem: "both of its meta pages fail their checksum"}
	case errors.Is(err, bolterrors.ErrVersionMismatch):
		return &CorruptError{Path: path, Problem: "its bbolt format version is not one this build reads"}
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// bbolt's on-disk meta page (internal/common in bbolt): a 16-byte page
// header, then magic, version, page size, flags, root bucket (pgid,
// sequence), freelist pgid, high-water pgid, txid and an FNV-64a checksum
// of the fields before it. bbolt writes it in the machine's byte order.
const (
	boltMagic         = 0xED0CDAED
	boltVersion       = 2
	boltHeader        = 16
	boltMetaFlag      = 0x04
	boltFreelistFlag  = 0x10
	boltNoFreelist    = ^uint64(0)
	boltMetaSumOffset = boltHeader + 56
)

type boltMeta struct {
	pageSize                uint32
	root, freelist, hwm, tx uint64
}

// readMeta decodes a meta page at buf; ok is false unless magic, version
// and checksum hold. magic reports whether at least the magic was there.
func readMeta(buf []byte) (m boltMeta, magic, ok bool) {
	if len(buf) < boltMetaSumOffset+8 {
		return m, false, false
	}
	ne := binary.NativeEndian
	if ne.Uint32(buf[boltHeader:]) != boltMagic {
		return m, false, false
	}
	h := fnv.New64a()
	h.Write(buf[boltHeader:boltMetaSumOffset])
	if ne.Uint32(buf[boltHeader+4:]) != boltVersion || ne.Uint64(buf[boltMetaSumOffset:]) != h.Sum64() {
		return m, true, false
	}
	m = boltMeta{
		pageSize: ne.Uint32(buf[boltHeader+8:]),
		root:     ne.Uint64(buf[boltHeader+16:]),
		freelist: ne.Uint64(buf[boltHeader+32:]),
		hwm:      ne.Uint64(buf[boltHeader+40:]),
		tx:       ne.Uint64(buf[boltHeader+48:]),
	}
	return m, true, true
}

// preflight checks the file at path before bbolt maps it (see above). A
// missing file passes: Open creates it.
func preflight(path string, keyFileExists bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if info.IsDir() {
		return fmt.Errorf("open database %s: it is a folder; pass the database file's path", path)
	}
	size := info.Size()
	if size == 0 {
		if keyFileExists {
			return &CorruptError{Path: path, Problem: fmt.Sprintf("it is empty (0 bytes) while its key file %s exists, so it held sealed data and is not a new database (a full disk or a bad copy?); it was left as it is. To start afresh instead, move both files away", KeyPath(path))}
		}
		return nil
	}
	metas, sawMagic := readMetas(f, size)
	if len(metas) == 0 {
		if sawMagic {
			return &CorruptError{Path: path, Problem: "both of its meta pages are damaged"}
		}
		return &CorruptError{Path: path, Problem: "it is not an oktaflow database (no bbolt meta page; was another file given as --db?)"}
	}
	m := metas[0]
	if len(metas) == 2 && metas[1].tx > m.tx {
		m = metas[1]
	}
	ps := int64(m.pageSize)
	if size < 2*ps {
		return &CorruptError{Path: path, Problem: fmt.Sprintf("it is truncated: %d bytes, less than its two %d-byte meta pages", size, ps)}
	}
	if want := int64(m.hwm) * ps; want > size {
		return &CorruptError{Path: path, Problem: fmt.Sprintf("it is truncated: %d bytes, where its own header says %d", size, want)}
	}
	if m.root >= m.hwm || (m.freelist != boltNoFreelist && m.freelist >= m.hwm) {
		return &CorruptError{Path: path, Problem: "its meta page points past the end of the file"}
	}
	if m.freelist != boltNoFreelist {
		var hdr [boltHeader]byte
		if _, err := f.ReadAt(hdr[:], int64(m.freelist)*ps); err != nil || binary.NativeEndian.Uint16(hdr[8:]) != boltFreelistFlag {
			return &CorruptError{Path: path, Problem: fmt.Sprintf("its freelist page (%d) is damaged", m.freelist)}
		}
	}
	return nil
}

// readMetas reads the meta pages: page 0 at offset 0, page 1 one page
// later (its size read from page 0, or probed like bbolt does when page 0
// is damaged). It returns the valid ones.
func readMetas(f io.ReaderAt, size int64) (valid []boltMeta, sawMagic bool) {
	read := func(off int64) (boltMeta, bool) {
		buf := make([]byte, 4096)
		n, _ := f.ReadAt(buf, off)
		m, magic, ok := readMeta(buf[:n])
		sawMagic = sawMagic || magic
		return m, ok && m.pageSize >= 1024
	}
	if m0, ok := read(0); ok {
		valid = append(valid, m0)
		if m1, ok := read(int64(m0.pageSize)); ok && m1.pageSize == m0.pageSize {
			valid = append(valid, m1)
		}
		return valid, sawMagic
	}
	for i := 0; i <= 14; i++ {
		off := int64(1024) << i
		if off >= size-1024 {
			break
		}
		if m1, ok := read(off); ok && int64(m1.pageSize) == off {
			return append(valid, m1), sawMagic
		}
	}
	return nil, sawMagic
}
