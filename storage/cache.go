package storage

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// In-memory caches of integrations and accounts. Ingest and dispatch read
// an integration (and a step's account) for every event; decoding its JSON
// and opening its sealed secrets each time cost more than the rest of the
// work. So the store keeps every integration and every account decoded:
//   - a snapshot is loaded whole on the first read after a change, and is
//     never modified: readers share it under a read lock;
//   - every write of an integration or account record, through whatever
//     method, registers an invalidation that runs when its transaction has
//     committed (tx.OnCommit), before the writing call returns;
//   - a load that raced with a change is not kept (the generation moved), so
//     a snapshot is never older than the last change it saw;
//   - readers get deep copies: nothing a caller does to a returned value
//     reaches the cache.
//
// Reads inside write transactions do not use the caches: they read the
// transaction, which is always exact.

type snapshotCache[S any] struct {
	mu   sync.RWMutex
	gen  uint64
	snap *S
}

// get returns the current snapshot, loading it when there is none.
func (c *snapshotCache[S]) get(load func() (*S, error)) (*S, error) {
	c.mu.RLock()
	snap, gen := c.snap, c.gen
	c.mu.RUnlock()
	if snap != nil {
		return snap, nil
	}
	snap, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.snap = snap
	}
	c.mu.Unlock()
	return snap, nil
}

func (c *snapshotCache[S]) invalidate() {
	c.mu.Lock()
	c.gen++
	c.snap = nil
	c.mu.Unlock()
}

// recordSnap is every record of one kind, decoded: the list in its order,
// indexes into it, and the records that could not be read.
type recordSnap[T any] struct {
	list   []T
	byID   map[string]int
	byName map[string]int // lower(name); nil when records are not found by name
	bad    []RecordProblem
	what   string    // "account", "integration": in errors
	copyOf func(T) T // a deep copy, for callers
}

type (
	integrationSnap = recordSnap[Integration] // by name, then id
	accountSnap     = recordSnap[Account]     // by name
)

// one returns a copy of the record with this id (or name, where records
// have names to find them by), the problem that kept it out of the
// snapshot, or ErrNotFound.
func (sn *recordSnap[T]) one(key string) (T, error) {
	i, ok := sn.byID[key]
	if !ok && sn.byName != nil {
		i, ok = sn.byName[strings.ToLower(key)]
	}
	if ok {
		return sn.copyOf(sn.list[i]), nil
	}
	var zero T
	for _, p := range sn.bad {
		if p.Key == key {
			return zero, &p
		}
	}
	return zero, fmt.Errorf("%s %q: %w", sn.what, key, ErrNotFound)
}

// all returns copies of every record and the problems (which the store
// keeps for Problems).
func (sn *recordSnap[T]) all(s *Store) ([]T, []RecordProblem) {
	out := make([]T, len(sn.list))
	for i, r := range sn.list {
		out[i] = sn.copyOf(r)
	}
	for i := range sn.bad {
		s.bad.add(&sn.bad[i])
	}
	return out, slices.Clone(sn.bad)
}

// loadSnap reads every record with load, in a read transaction, and
// indexes them by id (and name, when name is set).
func loadSnap[T any](s *Store, what string, load func(*bolt.Tx) ([]T, []RecordProblem, error), copyOf func(T) T, id, name func(T) string) (*recordSnap[T], error) {
	snap := &recordSnap[T]{byID: map[string]int{}, what: what, copyOf: copyOf}
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		snap.list, snap.bad, err = load(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if name != nil {
		snap.byName = map[string]int{}
	}
	for i, r := range snap.list {
		snap.byID[id(r)] = i
		if name != nil {
			snap.byName[strings.ToLower(name(r))] = i
		}
	}
	return snap, nil
}

func (s *Store) integrationSnapshot() (*integrationSnap, error) {
	return s.integrations.get(func() (*integrationSnap, error) {
		return loadSnap(s, "integration", s.loadIntegrations, copyIntegration, func(in Integration) string { return in.ID }, nil)
	})
}

func (s *Store) accountSnapshot() (*accountSnap, error) {
	return s.accounts.get(func() (*accountSnap, error) {
		return loadSnap(s, "account", s.loadAccounts, copyAccount, func(a Account) string { return a.ID }, func(a Account) string { return a.Name })
	})
}

// integrationsChanged and accountsChanged invalidate a cache once tx commits.
func (s *Store) integrationsChanged(tx *bolt.Tx) { tx.OnCommit(s.integrations.invalidate) }
func (s *Store) accountsChanged(tx *bolt.Tx)     { tx.OnCommit(s.accounts.invalidate) }

// copyIntegration is a deep copy: maps, slices and nested JSON values.
func copyIntegration(in Integration) Integration {
	in.Trigger.Config = copyJSONMap(in.Trigger.Config)
	in.Trigger.Secrets = maps.Clone(in.Trigger.Secrets)
	in.Steps = slices.Clone(in.Steps)
	for i := range in.Steps {
		in.Steps[i].Fields = maps.Clone(in.Steps[i].Fields)
		in.Steps[i].Options = copyJSONMap(in.Steps[i].Options)
		in.Steps[i].Secrets = maps.Clone(in.Steps[i].Secrets)
	}
	return in
}

func copyAccount(a Account) Account {
	a.OAuthScopes = slices.Clone(a.OAuthScopes)
	return a
}

func copyJSONMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyJSON(v)
	}
	return out
}

// copyJSON copies a decoded JSON value (and the few typed slices and maps
// callers put in configs before saving).
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyJSONMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyJSON(e)
		}
		return out
	case []string:
		return slices.Clone(x)
	case map[string]string:
		return maps.Clone(x)
	}
	return v
}
