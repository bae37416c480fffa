// Package kissflowtest is a simulated Kissflow account behind net/http, like
// net/http/httptest: processes with form fields and items in every state,
// the Process API v2 endpoints oktaflow uses (items list, item detail,
// partial update, form fields, the user list as a cheap authenticated
// call) with Kissflow's access key headers, its error bodies and its rate
// limit, and quirks of the list answer that real accounts show (sort
// order; _completed_at missing from the list). Tests, the in-app sandbox
// and `oktaflow kissflow` use it.
//
// It imports nothing from oktaflow: it is an independent witness of the
// API as the kissflow package's doc describes it, so that a misunderstanding
// in the client cannot hide behind the same one here.
package kissflowtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Item states, as _status holds them.
const (
	Draft      = "Draft"
	InProgress = "InProgress"
	Completed  = "Completed"
	Rejected   = "Rejected"
	Withdrawn  = "Withdrawn"
)

// List orders.
const (
	NewestFirst = "newest_first" // by _created_at, newest first (the default)
	OldestFirst = "oldest_first"
)

// Options configure an account.
type Options struct {
	AccountID       string // default "AcSandbox01"
	AccessKeyID     string // required by the API: requests must carry both
	AccessKeySecret string
	// RateLimit is the calls allowed per RateWindow (default 400 a minute,
	// Kissflow's); negative: no limit.
	RateLimit  int
	RateWindow time.Duration
	// Order of the items list; ListOmitsCompletedAt drops _completed_at
	// from list entries (the detail keeps it).
	Order                string
	ListOmitsCompletedAt bool
	// MaxPageSize bounds page_size (default 1000).
	MaxPageSize int
	// NotAdminOf lists processes whose admin API answers 403 (the key's
	// user lacks the Process Admin role there).
	NotAdminOf []string
	// SavedViewStatus, when set, is an admin's saved view: a list request
	// without apply_preference=false only shows items in that state.
	SavedViewStatus string
	// Latency is added to every answer.
	Latency time.Duration
	Now     func() time.Time
	Seed    uint64
	// OnChange is called after every change (for a periodic save).
	OnChange func()
}

// Field is one form field of a process.
type Field struct {
	ID, Name, Type string
	Required       bool
}

// Item is one item of a process.
type Item struct {
	ID          string
	Status      string
	CreatedAt   time.Time
	ModifiedAt  time.Time
	CompletedAt time.Time // zero unless Completed
	CreatedBy   string
	Values      map[string]any // form fields by id
}

// Process is a process of the account and its items, in creation order.
type Process struct {
	ID, Name string
	Fields   []Field
	items    []*Item
}

// Account is one simulated Kissflow account. Its methods are safe for
// concurrent use.
type Account struct {
	mu        sync.Mutex
	opts      Options
	processes map[string]*Process
	order     []string // process ids in creation order
	users     []string
	rnd       *rand.Rand
	ids       map[string]bool
	calls     []time.Time // within the rate window
	stats     Stats
}

// Stats counts the requests an account answered.
type Stats struct {
	Requests, Lists, Details, Updates, Throttled int
}

// NewAccount returns an empty account.
func NewAccount(opts Options) *Account {
	if opts.AccountID == "" {
		opts.AccountID = "AcSandbox01"
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 400
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	if opts.Order == "" {
		opts.Order = NewestFirst
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Account{opts: opts, processes: map[string]*Process{}, ids: map[string]bool{}, users: []string{"Sandbox Admin"}, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// AccountID is the account's id.
func (a *Account) AccountID() string { return a.opts.AccountID }

// SetListQuirks changes the list's order and whether it omits _completed_at.
func (a *Account) SetListQuirks(order string, omitCompletedAt bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if order != "" {
		a.opts.Order = order
	}
	a.opts.ListOmitsCompletedAt = omitCompletedAt
}

// Stats returns the request counters.
func (a *Account) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// AddProcess adds (or replaces the fields of) a process.
func (a *Account) AddProcess(id, name string, fields []Field) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.processes[id]; ok {
		p.Name, p.Fields = name, slices.Clone(fields)
		return
	}
	a.processes[id] = &Process{ID: id, Name: name, Fields: slices.Clone(fields)}
	a.order = append(a.order, id)
	a.changed()
}

// Processes lists the processes' ids and names, in creation order.
func (a *Account) Processes() []Process {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Process, 0, len(a.order))
	for _, id := range a.order {
		p := a.processes[id]
		out = append(out, Process{ID: p.ID, Name: p.Name, Fields: slices.Clone(p.Fields)})
	}
	return out
}

// AddItem adds an item in the given state, created now (or at created
// when not zero). A Completed item gets _completed_at = its creation.
func (a *Account) AddItem(processID, status string, values map[string]any, created time.Time) (Item, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.processes[processID]
	if !ok {
		return Item{}, fmt.Errorf("no process %q", processID)
	}
	if !validStatus(status) {
		return Item{}, fmt.Errorf("state %q is not one of Draft, InProgress, Completed, Rejected, Withdrawn", status)
	}
	if created.IsZero() {
		created = a.opts.Now()
	}
	created = created.UTC().Truncate(time.Second)
	it := &Item{ID: a.newID(), Status: status, CreatedAt: created, ModifiedAt: created, CreatedBy: a.users[0], Values: map[string]any{}}
	if status == Completed {
		it.CompletedAt = created
	}
	for k, v := range values {
		it.Values[k] = v
	}
	p.items = append(p.items, it)
	a.changed()
	return copyItem(it), nil
}

func validStatus(s string) bool {
	return slices.Contains([]string{Draft, InProgress, Completed, Rejected, Withdrawn}, s)
}

// Complete moves an item to Completed, stamping _completed_at (and
// _modified_at) now. An item already Completed, Rejected or Withdrawn is
// refused: its workflow is over.
func (a *Account) Complete(processID, itemID string) (Item, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	it, err := a.find(processID, itemID)
	if err != nil {
		return Item{}, err
	}
	switch it.Status {
	case Completed, Rejected, Withdrawn:
		return Item{}, fmt.Errorf("item %s is %s already: its workflow is over", itemID, it.Status)
	}
	now := a.opts.Now().UTC().Truncate(time.Second)
	it.Status, it.CompletedAt, it.ModifiedAt = Completed, now, now
	a.changed()
	return copyItem(it), nil
}

// Items lists a process's items in creation order.
func (a *Account) Items(processID string) ([]Item, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.processes[processID]
	if !ok {
		return nil, fmt.Errorf("no process %q", processID)
	}
	out := make([]Item, len(p.items))
	for i, it := range p.items {
		out[i] = copyItem(it)
	}
	return out, nil
}

// FindItem finds an item by id in any process.
func (a *Account) FindItem(itemID string) (processID string, item Item, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, pid := range a.order {
		for _, it := range a.processes[pid].items {
			if it.ID == itemID {
				return pid, copyItem(it), nil
			}
		}
	}
	return "", Item{}, fmt.Errorf("no item %q in any process", itemID)
}

func (a *Account) find(processID, itemID string) (*Item, error) {
	p, ok := a.processes[processID]
	if !ok {
		return nil, fmt.Errorf("no process %q", processID)
	}
	for _, it := range p.items {
		if it.ID == itemID {
			return it, nil
		}
	}
	return nil, fmt.Errorf("no item %q in process %s", itemID, processID)
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID makes an item id shaped like Kissflow's (Pk and nine letters or digits).
func (a *Account) newID() string {
	for {
		var b strings.Builder
		b.WriteString("Pk")
		for range 9 {
			b.WriteByte(idAlphabet[a.rnd.IntN(len(idAlphabet))])
		}
		if id := b.String(); !a.ids[id] {
			a.ids[id] = true
			return id
		}
	}
}

func (a *Account) changed() {
	if a.opts.OnChange != nil {
		a.opts.OnChange()
	}
}

func copyItem(it *Item) Item {
	c := *it
	c.Values = make(map[string]any, len(it.Values))
	for k, v := range it.Values {
		c.Values[k] = v
	}
	return c
}

// sorted returns a process's items in the list's order (items created in
// the same second: in creation order, or its reverse for newest first).
func (a *Account) sorted(p *Process) []*Item {
	items := slices.Clone(p.items)
	if a.opts.Order == OldestFirst {
		sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt.Before(items[j].CreatedAt) })
		return items
	}
	slices.Reverse(items)
	sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt.After(items[j].CreatedAt) })
	return items
}
