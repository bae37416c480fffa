package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
)

// The Kissflow trigger fires once for every item of a process that reaches
// _status Completed after the integration was switched ON, however many
// items the process holds. Kissflow's items list has no status filter and
// no documented sort order, so the trigger does not rely on either:
//
//   - A full walk reads every page (no cap) and records the open items
//     (not Completed, Rejected or Withdrawn) with their positions, the
//     total count and the order the list showed by _created_at.
//   - A poll in between reads only the pages that can have changed: page 1
//     and the last page (where new items land, newest- or oldest-first),
//     the pages of the new positions the total's growth implies, and the
//     pages where the open items now sit. An open item not found where it
//     should be (items deleted, the list reordered) turns the poll into a
//     full walk; so does a smaller total, an unknown order or total, and
//     the slower cadence (full_walk_every).
//   - A Completed item fires when it was seen open before or was not in
//     the list at the last poll (either way it completed after the start),
//     or when its _completed_at is at or after the start (less clockMargin).
//     When the list lacks _completed_at, the item's _modified_at (if it is
//     clearly before the start, or before the last complete walk, the item
//     was judged already) saves a lookup; else the detail API says, and the
//     answer is cached per item. Lookups are bounded per poll; the ones left
//     wait in the cursor for the next poll (never skipped). Events dedupe on
//     the item's _id, so an item seen again changes nothing.
//
// Clock skew. Kissflow's timestamps come from Kissflow's clock and the
// start from ours, so the trigger keeps this invariant: no item that
// completes after the start is skipped, whatever the two clocks say.
//
//   - What the trigger saw decides first, without any clock: an item seen
//     open at a poll (st.Open, and Pending items flagged Sure) and an item
//     that was not in the list at the last poll (kfWalk.isNew) both fire
//     when Completed: every poll runs after the start.
//   - Only an item that was already Completed when first seen (at the first
//     walk, or in a full walk that cannot tell new items from old ones) is
//     judged by its _completed_at, against the start less clockMargin: an
//     item that completed up to clockMargin before the start may fire, the
//     price of never skipping one on a clock that is behind.
//   - What a complete walk covered is measured on Kissflow's clock (the
//     newest stamp it saw, less the walk's length and clockMargin).
type kissflowPoller struct {
	src       *kissflow.Client
	process   string
	pageSize  int
	fullEvery time.Duration
	now       func() time.Time
	cache     map[string]time.Time // _completed_at read from the detail API, by item id
}

// Bounds of one poll, and of what the cursor keeps.
var (
	kissflowLookupsPerPoll = 60     // detail calls for _completed_at
	kissflowMaxOpen        = 10000  // open items tracked; beyond, every poll walks
	kissflowMaxPages       = 100000 // a guard against an API that never ends a list
	kissflowCacheSize      = 50000
)

// clockMargin covers the difference between Kissflow's clock and ours.
const clockMargin = 5 * time.Minute

// kfCursor is the Kissflow trigger's state. A cursor stored by earlier
// versions is a plain time (the newest _completed_at seen): it is read as
// From and the next poll walks the whole list.
type kfCursor struct {
	V       int            `json:"v"`
	From    time.Time      `json:"from"`            // completions before it do not fire
	Count   int            `json:"count"`           // the list's total at the last poll
	Order   string         `json:"order,omitempty"` // "desc" or "asc" by _created_at; "": not known
	Open    map[string]int `json:"open"`            // open items by id: their positions at the last poll
	FullAt  time.Time      `json:"full_at,omitzero"`
	Covered time.Time      `json:"covered,omitzero"` // items modified before it were judged by a complete walk
	Pending []string       `json:"pending,omitempty"`
	// Sure are the Pending items that fire whatever their completion time
	// (seen open, or new since a poll): their lookup only fills the event.
	Sure []string `json:"sure,omitempty"`
}

const (
	orderDesc = "desc"
	orderAsc  = "asc"
)

func newKissflow(c Config, deps Deps) (*kissflowPoller, error) {
	spec, _ := Lookup(Kissflow)
	var src *kissflow.Client
	var err error
	if account := c.String(spec, "account"); account != "" {
		if deps.KissflowAccount == nil {
			return nil, fmt.Errorf("kissflow trigger: no Kissflow account connection available")
		}
		src, err = deps.KissflowAccount(account)
	} else {
		// Plain http is never allowed here: the only Kissflow on plain
		// http is the sandbox, which is an account. The address policy
		// applies to the client at connect time (the engine's
		// KissflowInline does the same), and CheckKissflowPolicy at save.
		cfg := kissflowInlineConfig(c)
		if deps.KissflowInline != nil {
			src, err = deps.KissflowInline(cfg)
		} else {
			base := deps.HTTP
			if base == nil {
				base = &http.Client{Timeout: 60 * time.Second}
			}
			src, err = kissflow.New(cfg, kissflow.WithHTTPClient(PolicyClient(base, deps.AllowPrivate)))
		}
	}
	if err != nil {
		return nil, err
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	full, _ := time.ParseDuration(c.String(spec, "full_walk_every"))
	return &kissflowPoller{src: src, process: c.String(spec, "process_id"), pageSize: max(c.Int(spec, "page_size"), 1),
		fullEvery: max(full, time.Minute), now: now, cache: map[string]time.Time{}}, nil
}

// kissflowInlineConfig is how a trigger that holds its own keys reaches Kissflow.
func kissflowInlineConfig(c Config) kissflow.Config {
	spec, _ := Lookup(Kissflow)
	return kissflow.Config{
		Host: c.String(spec, "subdomain"), Region: c.String(spec, "region"), AccountID: c.String(spec, "account_id"),
		AccessKeyID: c.String(spec, "access_key_id"), AccessKeySecret: c.String(spec, "access_key_secret"),
		BaseURL: c.String(spec, "base_url"),
	}
}

// CheckKissflowPolicy checks, at save, that a Kissflow trigger with its
// own keys does not send them to a loopback, link-local or private
// address (unless allowPrivate): its host and its API base URL, with the
// placeholders filled in as the client fills them. It returns the setting
// at fault. A trigger that names an account is checked when its client
// connects (the account's host is the operator's, and the client applies
// the policy).
func CheckKissflowPolicy(ctx context.Context, c Config, allowPrivate bool) (field string, err error) {
	spec, _ := Lookup(Kissflow)
	if allowPrivate || c.String(spec, "account") != "" {
		return "", nil
	}
	cfg := kissflowInlineConfig(c)
	origin, region, err := kissflow.Origin(cfg.Host, cfg.Region, false)
	if err != nil {
		return "", nil // not a host: the field check says so
	}
	if !kissflowDomain(origin) { // Kissflow's own names: checked at connect time, not looked up here
		if err := CheckURLPolicy(ctx, origin, false); err != nil {
			return "subdomain", err
		}
	}
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return "", nil
	}
	if region == "" {
		region = cfg.Region
	}
	u, _ := url.Parse(origin)
	sub, _, _ := strings.Cut(u.Hostname(), ".")
	base := strings.NewReplacer("{host}", origin, "{subdomain}", sub, "{region}", region,
		"{account_id}", url.PathEscape(strings.TrimSpace(cfg.AccountID))).Replace(cfg.BaseURL)
	if kissflowDomain(base) {
		return "", nil
	}
	if err := CheckURLPolicy(ctx, base, false); err != nil {
		return "base_url", err
	}
	return "", nil
}

// kissflowDomain reports whether a URL's host is under kissflow.com or kissflow.eu.
func kissflowDomain(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return strings.HasSuffix(h, ".kissflow.com") || strings.HasSuffix(h, ".kissflow.eu")
}

func (k *kissflowPoller) parseCursor(cursor string, start time.Time) (kfCursor, error) {
	st := kfCursor{From: start.UTC(), Count: -1}
	if cursor == "" {
		return st, nil
	}
	if strings.HasPrefix(cursor, "{") {
		if err := json.Unmarshal([]byte(cursor), &st); err != nil || st.V != 2 {
			return kfCursor{}, fmt.Errorf("Kissflow: the stored cursor is damaged (%v); reset the trigger's position", err)
		}
		return st, nil
	}
	t, ok := parseTime(cursor)
	if !ok {
		return kfCursor{}, fmt.Errorf("Kissflow: stored cursor %q is not a time; reset the trigger's position", cursor)
	}
	st.From = t
	return st, nil
}

func (k *kissflowPoller) Poll(ctx context.Context, cursor string, start time.Time) (Batch, error) {
	st, err := k.parseCursor(cursor, start)
	if err != nil {
		return Batch{}, err
	}
	now := k.now().UTC()
	w := &kfWalk{k: k, ctx: ctx, pages: map[int][]map[string]any{}, started: now}
	if err := w.read(1); err != nil {
		return Batch{}, err
	}
	full := st.V != 2 || st.Count < 0 || w.total < 0 || w.total < st.Count || st.Order == "" ||
		now.Sub(st.FullAt) >= k.fullEvery || len(st.Open) > kissflowMaxOpen
	if !full {
		ok, err := w.incremental(st)
		if err != nil {
			return Batch{}, err
		}
		full = !ok
	}
	if full {
		if err := w.walk(); err != nil {
			return Batch{}, err
		}
	}
	return k.judge(st, w, full, now)
}

// judge turns what a poll read into events and the next cursor.
func (k *kissflowPoller) judge(st kfCursor, w *kfWalk, full bool, now time.Time) (Batch, error) {
	var b Batch
	next := kfCursor{V: 2, From: st.From, Count: w.firstTotal, Order: w.order(st.Order), Open: map[string]int{},
		FullAt: st.FullAt, Covered: st.Covered}
	if full {
		next.FullAt = now
		if w.consistent() {
			// Kissflow's clock, not ours: the newest stamp the walk saw, less
			// the walk's length and the margin, is before the walk began.
			if c := w.newest.Add(-clockMargin - k.now().Sub(w.started)); !w.newest.IsZero() && c.After(next.Covered) {
				next.Covered = c
			}
		} else {
			next.FullAt = time.Time{} // walk again at the next poll
		}
	} else {
		for id, pos := range st.Open { // open items on pages not read stay, moved as the list grew
			if !w.seen[id] {
				next.Open[id] = pos + w.shift
			}
		}
	}
	cut := st.From.Add(-clockMargin)
	if st.Covered.After(cut) {
		cut = st.Covered
	}
	lookups := kissflowLookupsPerPoll
	judged := map[string]bool{}
	carry := func(id string, sure bool) {
		next.Pending = append(next.Pending, id)
		if sure {
			next.Sure = append(next.Sure, id)
		}
	}
	// Items left over from the last poll's lookups come first.
	for _, id := range st.Pending {
		sure := slices.Contains(st.Sure, id)
		if lookups <= 0 {
			carry(id, sure)
			continue
		}
		lookups--
		judged[id] = true
		item, err := k.src.GetItem(w.ctx, k.process, id)
		if kissflow.IsNotFound(err) {
			b.Problems = append(b.Problems, problemf(ReasonSkippedItem, "Kissflow item %s was deleted before its completion time could be read; it does not fire", id))
			continue
		}
		if err != nil {
			return Batch{}, err
		}
		if ev, ok := k.fire(item, sure, cut); ok {
			b.Events = append(b.Events, ev)
		}
	}
	for _, it := range w.items {
		id, ok := scalarString(it.item["_id"])
		if !ok {
			b.Problems = append(b.Problems, problemf(ReasonSkippedItem, "a Kissflow item of %s has no _id", k.process))
			continue
		}
		status, _ := it.item["_status"].(string)
		switch {
		case strings.EqualFold(status, "Completed"):
		case strings.EqualFold(status, "Rejected"), strings.EqualFold(status, "Withdrawn"):
			continue
		default:
			next.Open[id] = it.pos
			continue
		}
		if judged[id] {
			continue
		}
		judged[id] = true
		_, wasOpen := st.Open[id]
		isNew := !full && w.isNew(st, it.pos)
		if !wasOpen && !full && !isNew {
			continue // terminal at the last poll already, and judged then
		}
		sure := wasOpen || isNew // seen open, or not in the list at the last poll: completed after the start
		if !sure {
			if at, ok := completedAt(it.item); ok && at.Before(cut) {
				continue // completed before the start, or judged by the last complete walk
			}
			if _, cached := k.cache[id]; !cached {
				if m, ok := timeField(it.item, "_modified_at"); ok && m.Before(cut) {
					continue // completing modifies an item: this one completed before that too
				}
			}
		}
		item := it.item
		if _, ok := completedAt(item); !ok {
			if t, cached := k.cache[id]; cached {
				item = withCompletedAt(item, t)
			} else if lookups <= 0 {
				carry(id, sure)
				b.More = true
				continue
			} else {
				lookups--
				detail, err := k.src.GetItem(w.ctx, k.process, id)
				if err != nil {
					return Batch{}, err
				}
				item = detail
			}
		}
		if ev, ok := k.fire(item, sure, cut); ok {
			b.Events = append(b.Events, ev)
		}
	}
	if len(next.Open) > kissflowMaxOpen {
		b.Problems = append(b.Problems, problemf(ReasonLimit, "Kissflow process %s has more than %d items in progress; every poll reads all its pages", k.process, kissflowMaxOpen))
	}
	b.More = b.More || len(next.Pending) > 0
	raw, _ := json.Marshal(next)
	b.Cursor = string(raw)
	return b, nil
}

// fire decides whether a Completed item fires: it is sure to have
// completed after the start (see the invariant on kissflowPoller), or it
// completed at or after cut. It caches the completion time.
func (k *kissflowPoller) fire(item map[string]any, sure bool, cut time.Time) (Event, bool) {
	id, _ := scalarString(item["_id"])
	status, _ := item["_status"].(string)
	if !strings.EqualFold(status, "Completed") {
		return Event{}, false
	}
	at, ok := completedAt(item)
	if ok {
		k.remember(id, at)
	}
	if !sure && (!ok || at.Before(cut)) {
		return Event{}, false
	}
	return Event{Data: item, DedupeKey: "kissflow:" + id}, true
}

func (k *kissflowPoller) remember(id string, at time.Time) {
	if len(k.cache) >= kissflowCacheSize {
		for key := range k.cache { // forget one: it costs a lookup at worst
			delete(k.cache, key)
			break
		}
	}
	k.cache[id] = at
}

// completedAt returns an item's completion time when the item carries it.
func completedAt(item map[string]any) (time.Time, bool) { return timeField(item, "_completed_at") }

func timeField(item map[string]any, key string) (time.Time, bool) {
	s, _ := item[key].(string)
	if s == "" {
		return time.Time{}, false
	}
	return parseTime(s)
}

func withCompletedAt(item map[string]any, at time.Time) map[string]any {
	out := make(map[string]any, len(item)+1)
	for k, v := range item {
		out[k] = v
	}
	out["_completed_at"] = at.UTC().Format(time.RFC3339)
	return out
}

// Sample returns the newest completed item of the first pages, read from
// the detail API (so that it carries every field and _completed_at).
func (k *kissflowPoller) Sample(ctx context.Context) (Event, error) {
	const pages = 5
	var best map[string]any
	var bestAt time.Time
	var undated []string
	for n := 1; n <= pages; n++ {
		page, err := k.src.ListItems(ctx, k.process, n, k.pageSize)
		if err != nil {
			return Event{}, err
		}
		for _, it := range page.Items {
			if s, _ := it["_status"].(string); !strings.EqualFold(s, "Completed") {
				continue
			}
			if at, ok := completedAt(it); ok {
				if best == nil || at.After(bestAt) {
					best, bestAt = it, at
				}
			} else if id, ok := scalarString(it["_id"]); ok && len(undated) < 10 {
				undated = append(undated, id)
			}
		}
		if len(page.Items) < k.pageSize {
			break
		}
	}
	if best == nil {
		for _, id := range undated {
			item, err := k.src.GetItem(ctx, k.process, id)
			if err != nil {
				return Event{}, err
			}
			if at, ok := completedAt(item); ok && (best == nil || at.After(bestAt)) {
				best, bestAt = item, at
			}
		}
	}
	if best == nil {
		return Event{}, fmt.Errorf("Kissflow: no completed item in the first %d pages of %s yet; complete one, or paste a sample event", pages, k.process)
	}
	id, _ := scalarString(best["_id"])
	if detail, err := k.src.GetItem(ctx, k.process, id); err == nil {
		best = detail
	}
	return Event{Data: best, DedupeKey: "kissflow:" + id}, nil
}
