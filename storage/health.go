package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Trigger health states.
const (
	HealthOK      = "ok"
	HealthFailing = "failing"
)

// TriggerHealth is how an integration's trigger is doing: whether its last
// poll worked, the last error with its time, and how many polls in a row
// failed. The engine records it; lists, show, /healthz and metrics read it.
type TriggerHealth struct {
	State       string    `json:"state"` // HealthOK or HealthFailing; "" before the first poll
	LastError   string    `json:"lastError,omitempty"`
	LastErrorAt time.Time `json:"lastErrorAt,omitzero"`
	LastOKAt    time.Time `json:"lastOkAt,omitzero"`
	NextPollAt  time.Time `json:"nextPollAt,omitzero"`
	Failures    int       `json:"failures,omitempty"` // polls in a row that failed
	// FailingSince is the first failure of the current failing streak
	// (zero when the last poll worked); LastErrorAt is the latest's.
	FailingSince time.Time `json:"failingSince,omitzero"`
	// Warnings is what a working trigger skipped or waits for: its
	// standing warnings, then the items it skipped lately, newest first,
	// at most MaxStoredWarnings of them.
	Warnings []TriggerWarning `json:"warnings,omitempty"`
	// MoreWarnings counts the warnings left out of Warnings.
	MoreWarnings int `json:"moreWarnings,omitempty"`
}

// RecentWarningsFor is how long a skipped item stays among a trigger's
// warnings (a standing one stays while its cause lasts).
const RecentWarningsFor = 24 * time.Hour

// CurrentWarnings is Warnings without the skipped items older than
// RecentWarningsFor at now: what to show of a health read after the
// process that polls it stopped (it would have let them go); and how many
// more the store left out. Those are older than the last one kept, so
// none holds once a kept one has gone stale.
func (h TriggerHealth) CurrentWarnings(now time.Time) ([]TriggerWarning, int) {
	var out []TriggerWarning
	for _, w := range h.Warnings {
		if w.Standing || w.At.IsZero() || now.Sub(w.At) <= RecentWarningsFor {
			out = append(out, w)
		}
	}
	if len(out) < len(h.Warnings) {
		return out, 0
	}
	return out, h.MoreWarnings
}

// MaxStoredWarnings bounds a trigger health's Warnings, so that a folder
// of a thousand bad files costs one small record, not a thousand.
const MaxStoredWarnings = 20

// TriggerWarning is something a working trigger skipped or waits for: a
// CSV row that cannot be read, a file skipped until it changes, a path
// that does not exist yet, an API item without its id. The trigger's
// state stays ok (it polls); the warning says what it did not take in.
type TriggerWarning struct {
	Integration string    `json:"integration"`
	Name        string    `json:"name,omitempty"` // the integration's (in /healthz)
	Reason      string    `json:"reason"`         // the metrics' label: bad_row, bad_encoding, …
	File        string    `json:"file,omitempty"` // a CSV trigger's file
	Line        int       `json:"line,omitempty"` // and line (0: the whole file)
	Message     string    `json:"message"`
	Standing    bool      `json:"standing,omitempty"` // lasts until its cause goes (else one item, skipped)
	At          time.Time `json:"at"`                 // when it was found (a standing one: first found)
}

// bucketHealth holds each integration's trigger health (integration id →
// JSON), all together: the list screen reads every one at its first frame,
// a few pages of one bucket (under each trigger bucket, where schema 5 kept
// them, they were a page of the file each).
var bucketHealth = []byte("trigger_health")

// keyHealth is where schema 5 kept a health, in the trigger bucket.
var keyHealth = []byte("health")

// lastOKEvery is how often a healthy trigger's LastOKAt is stored: often
// enough for a restart or another process to see it roughly, rarely enough
// that steady polling costs no fsync.
const lastOKEvery = time.Hour

// needsWrite reports whether h, replacing the stored old, must be written:
// its state, error or failure count changed, or its last good poll moved
// by lastOKEvery or more. NextPollAt, and a LastOKAt that moved less, live
// in memory only.
func (h TriggerHealth) needsWrite(old TriggerHealth) bool {
	if h.State != old.State || h.LastError != old.LastError || !h.LastErrorAt.Equal(old.LastErrorAt) || h.Failures != old.Failures ||
		!h.FailingSince.Equal(old.FailingSince) || h.MoreWarnings != old.MoreWarnings || !slices.EqualFunc(h.Warnings, old.Warnings, TriggerWarning.Equal) {
		return true
	}
	if h.LastOKAt.IsZero() != old.LastOKAt.IsZero() {
		return true
	}
	d := h.LastOKAt.Sub(old.LastOKAt)
	return d >= lastOKEvery || d < 0
}

// Equal reports whether two warnings say the same (Name aside: it is
// filled in for display).
func (a TriggerWarning) Equal(b TriggerWarning) bool {
	return a.Integration == b.Integration && a.Reason == b.Reason && a.File == b.File && a.Line == b.Line && a.Message == b.Message && a.Standing == b.Standing && a.At.Equal(b.At)
}

// healthState is the store's trigger health: every stored health is read
// once per process; then reads come from memory.
type healthState struct {
	mu     sync.Mutex               // guards the maps; never held across a commit
	latest map[string]TriggerHealth // what reads return: the last recorded, some only in memory
	stored map[string]TriggerHealth // what the file holds
	calls  map[string]uint64        // SetTriggerHealth calls, by integration
	// writeMu serialises health commits, so that the file ends with the
	// latest health and a later one never loses to an earlier one.
	writeMu sync.Mutex
}

// SetTriggerHealth records an integration's trigger health. Reads return it
// at once. It is written only on change: a health that differs from the
// stored one only in NextPollAt, or in a LastOKAt less than lastOKEvery
// later (a healthy trigger that polled again), is kept in memory and costs
// no transaction, so steady polling does not fsync. The stored NextPollAt
// and LastOKAt may therefore be older than the ones reads return while the
// process runs. It reports whether it wrote; a call overtaken by a later
// one for the same integration before its turn to write leaves the write
// to that one.
func (s *Store) SetTriggerHealth(integrationID string, h TriggerHealth) (bool, error) {
	h = h.utc()
	hs := &s.health
	hs.mu.Lock()
	if err := s.loadHealthLocked(); err != nil {
		hs.mu.Unlock()
		return false, err
	}
	hs.latest[integrationID] = h
	hs.calls[integrationID]++
	call := hs.calls[integrationID]
	hs.mu.Unlock()

	hs.writeMu.Lock()
	defer hs.writeMu.Unlock()
	hs.mu.Lock()
	stored, had := hs.stored[integrationID]
	overtaken := hs.calls[integrationID] != call
	hs.mu.Unlock()
	if overtaken || (had && !h.needsWrite(stored)) {
		return false, nil
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIntegrations).Get([]byte(integrationID)) == nil {
			return fmt.Errorf("integration %q: %w", integrationID, ErrNotFound)
		}
		return tx.Bucket(bucketHealth).Put([]byte(integrationID), raw)
	})
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			delete(hs.latest, integrationID)
		}
		return false, err
	}
	hs.stored[integrationID] = h
	return true, nil
}

// TriggerHealth returns an integration's trigger health (the zero value
// before anything was recorded).
func (s *Store) TriggerHealth(integrationID string) (TriggerHealth, error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if err := s.loadHealthLocked(); err != nil {
		return TriggerHealth{}, err
	}
	h := s.health.latest[integrationID]
	h.Warnings = slices.Clone(h.Warnings) // the caller's to keep
	return h, nil
}

// TriggerHealths returns the trigger health of every integration that has one.
func (s *Store) TriggerHealths() (map[string]TriggerHealth, error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if err := s.loadHealthLocked(); err != nil {
		return nil, err
	}
	out := make(map[string]TriggerHealth, len(s.health.latest))
	for id, h := range s.health.latest {
		h.Warnings = slices.Clone(h.Warnings)
		out[id] = h
	}
	return out, nil
}

// loadHealthLocked reads every stored health once per process (s.health.mu held). A record
// that does not decode is reported as a failing health naming the problem,
// so a damaged record shows up instead of failing every read.
func (s *Store) loadHealthLocked() error {
	if s.health.latest != nil {
		return nil
	}
	m := map[string]TriggerHealth{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHealth).ForEach(func(id, raw []byte) error {
			var h TriggerHealth
			if err := json.Unmarshal(raw, &h); err != nil {
				h = TriggerHealth{State: HealthFailing, LastError: fmt.Sprintf("the stored trigger health does not decode (%v); it is replaced at the next poll", err)}
			}
			m[string(id)] = h
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.health.latest, s.health.stored, s.health.calls = m, make(map[string]TriggerHealth, len(m)), map[string]uint64{}
	for id, h := range m {
		s.health.stored[id] = h
	}
	return nil
}

// forgetHealth drops an integration's health from memory (it was deleted).
func (s *Store) forgetHealth(integrationID string) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.latest != nil {
		delete(s.health.latest, integrationID)
		delete(s.health.stored, integrationID)
	}
}

func (h TriggerHealth) utc() TriggerHealth {
	h.LastErrorAt, h.LastOKAt, h.NextPollAt = utcOrZero(h.LastErrorAt), utcOrZero(h.LastOKAt), utcOrZero(h.NextPollAt)
	h.FailingSince = utcOrZero(h.FailingSince)
	if len(h.Warnings) > 0 {
		h.Warnings = slices.Clone(h.Warnings)
		for i := range h.Warnings {
			h.Warnings[i].At = utcOrZero(h.Warnings[i].At)
		}
	}
	return h
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// migrateHealthBucket moves each trigger health out of its trigger bucket
// into trigger_health (schema 5 → 6).
func migrateHealthBucket(tx *bolt.Tx) error {
	dst, err := tx.CreateBucketIfNotExists(bucketHealth)
	if err != nil {
		return err
	}
	triggers := tx.Bucket(bucketTriggers)
	var ids [][]byte
	if err := triggers.ForEachBucket(func(id []byte) error { ids = append(ids, bytes.Clone(id)); return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		state := triggers.Bucket(id)
		raw := state.Get(keyHealth)
		if raw == nil {
			continue
		}
		if err := dst.Put(id, bytes.Clone(raw)); err != nil {
			return err
		}
		if err := state.Delete(keyHealth); err != nil {
			return err
		}
	}
	return nil
}
