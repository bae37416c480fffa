package storage

import (
	"encoding/json"
	"fmt"
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
}

var keyHealth = []byte("health") // in an integration's trigger bucket

// lastOKEvery is how often a healthy trigger's LastOKAt is stored: often
// enough for a restart or another process to see it roughly, rarely enough
// that steady polling costs no fsync.
const lastOKEvery = time.Hour

// needsWrite reports whether h, replacing the stored old, must be written:
// its state, error or failure count changed, or its last good poll moved
// by lastOKEvery or more. NextPollAt, and a LastOKAt that moved less, live
// in memory only.
func (h TriggerHealth) needsWrite(old TriggerHealth) bool {
	if h.State != old.State || h.LastError != old.LastError || !h.LastErrorAt.Equal(old.LastErrorAt) || h.Failures != old.Failures {
		return true
	}
	if h.LastOKAt.IsZero() != old.LastOKAt.IsZero() {
		return true
	}
	d := h.LastOKAt.Sub(old.LastOKAt)
	return d >= lastOKEvery || d < 0
}

// SetTriggerHealth records an integration's trigger health. It writes only
// on change: a health that differs from the stored one only in NextPollAt,
// or in a LastOKAt less than lastOKEvery later (a healthy trigger that
// polled again), is kept in memory and costs no transaction, so steady
// polling does not fsync. The stored NextPollAt and LastOKAt may therefore
// be older than the ones reads return while the process runs.
// It reports whether it wrote.
//
// Health writes are serialised by healthWriteMu, held across the commit so
// that a later health never loses to an earlier one; healthMu, which
// readers take, is held only to read or swap the map, never across a commit.
func (s *Store) SetTriggerHealth(integrationID string, h TriggerHealth) (bool, error) {
	h = h.utc()
	s.healthWriteMu.Lock()
	defer s.healthWriteMu.Unlock()
	s.healthMu.Lock()
	if err := s.loadHealthLocked(); err != nil {
		s.healthMu.Unlock()
		return false, err
	}
	stored, had := s.healthStored[integrationID]
	if had && !h.needsWrite(stored) {
		s.health[integrationID] = h
		s.healthMu.Unlock()
		return false, nil
	}
	s.healthMu.Unlock()
	raw, err := json.Marshal(h)
	if err != nil {
		return false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIntegrations).Get([]byte(integrationID)) == nil {
			return fmt.Errorf("integration %q: %w", integrationID, ErrNotFound)
		}
		state, err := tx.Bucket(bucketTriggers).CreateBucketIfNotExists([]byte(integrationID))
		if err != nil {
			return err
		}
		return state.Put(keyHealth, raw)
	})
	if err != nil {
		return false, err
	}
	s.healthMu.Lock()
	if s.health != nil { // nil: the store forgot every health meanwhile
		s.health[integrationID], s.healthStored[integrationID] = h, h
	}
	s.healthMu.Unlock()
	return true, nil
}

// TriggerHealth returns an integration's trigger health (the zero value
// before anything was recorded).
func (s *Store) TriggerHealth(integrationID string) (TriggerHealth, error) {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if err := s.loadHealthLocked(); err != nil {
		return TriggerHealth{}, err
	}
	return s.health[integrationID], nil
}

// TriggerHealths returns the trigger health of every integration that has one.
func (s *Store) TriggerHealths() (map[string]TriggerHealth, error) {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if err := s.loadHealthLocked(); err != nil {
		return nil, err
	}
	out := make(map[string]TriggerHealth, len(s.health))
	for id, h := range s.health {
		out[id] = h
	}
	return out, nil
}

// loadHealthLocked reads every stored health once per process (into
// health, what reads return, and healthStored, what the file holds). A record
// that does not decode is reported as a failing health naming the problem,
// so a damaged record shows up instead of failing every read.
func (s *Store) loadHealthLocked() error {
	if s.health != nil {
		return nil
	}
	m := map[string]TriggerHealth{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTriggers).ForEachBucket(func(id []byte) error {
			raw := tx.Bucket(bucketTriggers).Bucket(id).Get(keyHealth)
			if raw == nil {
				return nil
			}
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
	s.health, s.healthStored = m, make(map[string]TriggerHealth, len(m))
	for id, h := range m {
		s.healthStored[id] = h
	}
	return nil
}

// forgetHealth drops an integration's health from memory (it was deleted).
func (s *Store) forgetHealth(integrationID string) {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if s.health != nil {
		delete(s.health, integrationID)
		delete(s.healthStored, integrationID)
	}
}

func (h TriggerHealth) utc() TriggerHealth {
	h.LastErrorAt, h.LastOKAt, h.NextPollAt = utcOrZero(h.LastErrorAt), utcOrZero(h.LastOKAt), utcOrZero(h.NextPollAt)
	return h
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
