package trigger

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// kfWalk is what one poll of the Kissflow trigger read: pages of the items
// list, each item once with its position (from 0) when it was read.
type kfWalk struct {
	k     *kissflowPoller
	ctx   context.Context
	pages map[int][]map[string]any
	// totals are the list's totals as each page said (-1: not said);
	// firstTotal and total are page 1's.
	totals     []int
	firstTotal int
	total      int
	items      []posItem
	seen       map[string]bool
	desc, asc  int // pairs of neighbours seen in each _created_at order
	// newest is the latest Kissflow timestamp seen (_modified_at,
	// _created_at, _completed_at): a lower bound of Kissflow's clock.
	newest  time.Time
	shift   int // how far the items known before moved (newest first: by the new ones)
	started time.Time
}

type posItem struct {
	item map[string]any
	pos  int
}

// read reads page n (from 1) once.
func (w *kfWalk) read(n int) error {
	if _, ok := w.pages[n]; ok {
		return nil
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	page, err := w.k.src.ListItems(w.ctx, w.k.process, n, w.k.pageSize)
	if err != nil {
		return err
	}
	w.pages[n] = page.Items
	t := -1
	if page.HasTotal {
		t = page.Total
	}
	if len(w.totals) == 0 {
		w.firstTotal, w.total = t, t
	}
	w.totals = append(w.totals, t)
	var prev string
	for i, it := range page.Items {
		if c, _ := it["_created_at"].(string); c != "" && prev != "" {
			switch compareCursor(prev, c) {
			case 1:
				w.desc++
			case -1:
				w.asc++
			}
			prev = c
		} else if c != "" {
			prev = c
		}
		for _, key := range []string{"_modified_at", "_created_at", "_completed_at"} {
			if t, ok := timeField(it, key); ok && t.After(w.newest) {
				w.newest = t
			}
		}
		id, ok := scalarString(it["_id"])
		if ok && w.seen[id] {
			continue // moved onto a later page while the list was read
		}
		if ok {
			w.seen[id] = true
		}
		w.items = append(w.items, posItem{item: it, pos: (n-1)*w.k.pageSize + i})
	}
	return nil
}

// walk reads every page, until a short page or the total is reached.
func (w *kfWalk) walk() error {
	size := w.k.pageSize
	for n := 1; ; n++ {
		if n > kissflowMaxPages {
			return fmt.Errorf("Kissflow: the item list of %s did not end after %d pages", w.k.process, kissflowMaxPages)
		}
		if err := w.read(n); err != nil {
			return err
		}
		t := w.totals[len(w.totals)-1]
		if len(w.pages[n]) < size || (t >= 0 && n*size >= t) {
			return nil
		}
	}
}

// incremental reads the pages that can have changed since st. It returns
// false when a full walk is needed: an open item was not where it should be.
func (w *kfWalk) incremental(st kfCursor) (bool, error) {
	size := w.k.pageSize
	pageOf := func(pos int) int { return pos/size + 1 }
	delta := w.total - st.Count
	pages := map[int]bool{1: true, pageOf(max(w.total-1, 0)): true}
	if st.Order == orderDesc {
		w.shift = delta
		for p := 0; p < delta; p += size {
			pages[pageOf(p)] = true
		}
	} else {
		for p := st.Count; p < w.total; p += size {
			pages[pageOf(p)] = true
		}
		if delta > 0 {
			pages[pageOf(w.total-1)] = true
		}
	}
	for _, pos := range st.Open {
		pages[pageOf(pos+w.shift)] = true
	}
	if all := pageOf(max(w.total-1, 0)); len(pages) > all/2+1 {
		return false, nil // reading most pages anyway: walk them all
	}
	order := make([]int, 0, len(pages))
	for p := range pages {
		order = append(order, p)
	}
	slices.Sort(order)
	for _, p := range order {
		if err := w.read(p); err != nil {
			return false, err
		}
	}
	for id, pos := range st.Open {
		if !slices.ContainsFunc(w.pages[pageOf(pos+w.shift)], func(it map[string]any) bool {
			got, _ := scalarString(it["_id"])
			return got == id
		}) {
			return false, nil
		}
	}
	return !slices.ContainsFunc(w.totals, func(t int) bool { return t != w.total }), nil
}

// isNew reports whether position pos (in this poll's list) holds an item
// that was not in the list at the last poll, as the total's growth says.
func (w *kfWalk) isNew(st kfCursor, pos int) bool {
	if st.Order == orderDesc {
		return pos < w.total-st.Count
	}
	return pos >= st.Count
}

// consistent reports whether the list's total stayed the same while it was
// read (else items may have moved between pages unseen).
func (w *kfWalk) consistent() bool {
	return w.total >= 0 && !slices.ContainsFunc(w.totals, func(t int) bool { return t != w.total })
}

// order is the list's order as this poll saw it, else what was known.
func (w *kfWalk) order(known string) string {
	switch {
	case w.desc > 0 && w.asc == 0:
		return orderDesc
	case w.asc > 0 && w.desc == 0:
		return orderAsc
	case w.desc > 0 && w.asc > 0:
		return ""
	}
	return known
}
