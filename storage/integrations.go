package storage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Integration is a trigger followed by Okta action steps.
type Integration struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Enabled     bool      `json:"enabled"`
	EnabledAt   time.Time `json:"enabledAt,omitzero"` // when it was last switched ON: triggers start here
	Trigger     Trigger   `json:"trigger"`
	Steps       []Step    `json:"steps"`
	Concurrency int       `json:"concurrency,omitempty"` // runs in flight at once; 0 means the engine's default
	// Version counts the changes of the definition (name, description,
	// trigger, steps, concurrency, their secrets): 1 when created, one more
	// on each UpdateIntegration that changes any of them. A run records the
	// version each attempt ran (Run.Version, Attempt.Version).
	Version   int       `json:"version,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Trigger says what starts a run. Config holds the type's plain settings;
// Secrets its secret ones (webhook secret, Kissflow access key secret), which
// are sealed at rest and never exported.
type Trigger struct {
	Type    string            `json:"type"`
	Config  map[string]any    `json:"config,omitempty"`
	Secrets map[string]Secret `json:"-"`
}

// Step is one action of an integration. Fields map each action field to a
// literal or a {{ template }}; Account names the account the step acts on.
// Secrets hold the literal values of the action's secret fields (an
// Authorization header, secret headers, a password), which the engine
// moves out of Fields at save: sealed at rest, never exported, and put
// back into the step's input only when it runs.
type Step struct {
	ID      string            `json:"id"`
	Action  string            `json:"action"`
	Account string            `json:"account,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
	Options map[string]any    `json:"options,omitempty"`
	Secrets map[string]Secret `json:"-"`
}

// integrationRecord is an Integration as stored: the trigger's secrets in
// SealedSecrets, each step's in SealedStepSecrets (by step id, then key).
type integrationRecord struct {
	Integration
	SealedSecrets     map[string]string            `json:"sealedSecrets,omitempty"`
	SealedStepSecrets map[string]map[string]string `json:"sealedStepSecrets,omitempty"`
}

func secretBinding(integrationID, key string) string {
	return "integration/" + integrationID + "/secret/" + key
}

// stepSecretBinding binds a step's sealed secret to its integration, step
// and key: a sealed value copied to another step or integration does not open.
func stepSecretBinding(integrationID, stepID, key string) string {
	return "integration/" + integrationID + "/step/" + stepID + "/secret/" + key
}

// usesAccount reports whether a step acts on the account, or the trigger
// reads from it (an okta_event trigger's "account" setting).
func (in Integration) usesAccount(a Account) bool {
	matches := func(ref string) bool { return ref == a.ID || strings.EqualFold(ref, a.Name) }
	for _, st := range in.Steps {
		if matches(st.Account) {
			return true
		}
	}
	ref, _ := in.Trigger.Config["account"].(string)
	return ref != "" && matches(ref)
}

// validate checks what the store itself relies on; the engine checks the
// rest (actions, fields, templates) before it saves.
func (in Integration) validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return fmt.Errorf("%w: the integration has no name", ErrInvalid)
	}
	if in.Trigger.Type == "" {
		return fmt.Errorf("%w: integration %q has no trigger type", ErrInvalid, in.Name)
	}
	seen := map[string]bool{}
	for i, st := range in.Steps {
		if err := ValidateName(st.ID); err != nil {
			return fmt.Errorf("step %d id: %w", i+1, err)
		}
		if seen[st.ID] {
			return fmt.Errorf("%w: two steps have the id %q", ErrInvalid, st.ID)
		}
		seen[st.ID] = true
	}
	return nil
}

// CreateIntegration stores a new integration, switched OFF.
func (s *Store) CreateIntegration(in Integration) (Integration, error) {
	if err := in.validate(); err != nil {
		return Integration{}, err
	}
	in.ID = newID("int_")
	in.Version = 1
	in.Enabled, in.EnabledAt = false, time.Time{}
	in.CreatedAt = s.now().UTC()
	in.UpdatedAt = in.CreatedAt
	err := s.update(func(tx *bolt.Tx) error { return s.putIntegration(tx, in) })
	return in, err
}

// UpdateIntegration replaces an integration's definition (name, description,
// trigger, steps, concurrency). Its ON/OFF state is changed only by SetEnabled.
func (s *Store) UpdateIntegration(in Integration) (Integration, error) {
	if err := in.validate(); err != nil {
		return Integration{}, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		old, err := s.getIntegration(tx, in.ID)
		if err != nil {
			return err
		}
		in.Enabled, in.EnabledAt, in.CreatedAt = old.Enabled, old.EnabledAt, old.CreatedAt
		in.Version = old.Version
		if !sameDefinition(old, in) {
			in.Version++
		}
		in.UpdatedAt = s.now().UTC()
		return s.putIntegration(tx, in)
	})
	return in, err
}

// Integration returns one integration with its secrets opened (from the
// cache: a copy the caller may change).
func (s *Store) Integration(id string) (Integration, error) {
	snap, err := s.integrationSnapshot()
	if err != nil {
		return Integration{}, err
	}
	return snap.one(id)
}

// IntegrationBrief is what accepting an event needs of an integration,
// read from the cache without the deep copy Integration makes (for every
// webhook request, twice).
type IntegrationBrief struct {
	ID, Name string
	Enabled  bool
	Trigger  string // the trigger type
	secrets  map[string]Secret
}

// TriggerSecret is the trigger's secret setting name ("" when unset).
func (b IntegrationBrief) TriggerSecret(name string) Secret { return b.secrets[name] }

// IntegrationBrief is Integration(id) cut to an IntegrationBrief.
func (s *Store) IntegrationBrief(id string) (IntegrationBrief, error) {
	snap, err := s.integrationSnapshot()
	if err != nil {
		return IntegrationBrief{}, err
	}
	i, ok := snap.byID[id]
	if !ok {
		_, err := snap.one(id) // the problem that kept it out, or ErrNotFound
		return IntegrationBrief{}, err
	}
	in := &snap.list[i] // shared: only read
	return IntegrationBrief{ID: in.ID, Name: in.Name, Enabled: in.Enabled, Trigger: in.Trigger.Type, secrets: in.Trigger.Secrets}, nil
}

// Integrations lists every integration by name, then id. One that cannot
// be read is left out (see IntegrationsChecked and Problems).
func (s *Store) Integrations() ([]Integration, error) {
	out, _, err := s.IntegrationsChecked()
	return out, err
}

// IntegrationsChecked lists every integration by name, then id, and the
// records it had to leave out because they cannot be read.
func (s *Store) IntegrationsChecked() ([]Integration, []RecordProblem, error) {
	snap, err := s.integrationSnapshot()
	if err != nil {
		return nil, nil, err
	}
	out, bad := snap.all(s)
	return out, bad, nil
}

// loadIntegrations decodes every integration, by name then id, leaving out
// (and returning) those that cannot be read.
func (s *Store) loadIntegrations(tx *bolt.Tx) ([]Integration, []RecordProblem, error) {
	var out []Integration
	var bad []RecordProblem
	err := tx.Bucket(bucketIntegrations).ForEach(func(k, _ []byte) error {
		in, err := s.getIntegration(tx, string(k))
		if s.skip(err, &bad) {
			return nil
		}
		if err == nil {
			out = append(out, in)
		}
		return err
	})
	slices.SortFunc(out, func(a, b Integration) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, bad, err
}

// SetEnabled switches an integration ON or OFF. Switching ON records the
// start point (from, or now when from is zero) and forgets the old cursor, so
// that data that arrived while OFF is not captured. Switching OFF cancels its
// queued, retrying and waiting runs; running steps finish, and a run that
// would then retry or wait is cancelled instead (see RetryRun). It returns
// how many runs were cancelled.
//
// The switch commits first, with the first maxRunsPerTx cancellations; a
// larger backlog is cancelled in further bounded transactions. In between,
// StartRun cancels rather than starts any run of an OFF integration, so no
// run starts after the switch whatever the backlog.
func (s *Store) SetEnabled(id string, on bool, from time.Time) (cancelled int, err error) {
	var rest []RunID
	err = s.updateSized(maxRunsPerTx, 0, func(tx *bolt.Tx) error {
		cancelled, rest = 0, nil
		in, err := s.getIntegration(tx, id)
		if err != nil {
			return err
		}
		if in.Enabled == on {
			return nil
		}
		in.Enabled = on
		in.UpdatedAt = s.now().UTC()
		if on {
			in.EnabledAt = cmp.Or(from, in.UpdatedAt).UTC()
			if err := resetCursor(tx, id); err != nil {
				return err
			}
		} else {
			ids := pendingIDs(tx, id)
			first := ids[:min(len(ids), maxRunsPerTx)]
			rest = ids[len(first):]
			cancelled, err = s.cancelRuns(tx, first, "integration switched OFF")
			if err != nil {
				return err
			}
		}
		return s.putIntegration(tx, in)
	})
	if err != nil || len(rest) == 0 {
		return cancelled, err
	}
	n, err := s.cancelInChunks(rest, "integration switched OFF")
	return cancelled + n, err
}

// integrationHead is the part of an integration that ingest and run
// transitions check inside their transactions: decoded without opening
// its secrets or keeping its steps.
type integrationHead struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Version int    `json:"version"`
	Trigger struct {
		Type string `json:"type"`
	} `json:"trigger"`
}

// version is the integration's Version; a record stored before versions
// were kept is at version 1.
func (h integrationHead) version() int { return max(h.Version, 1) }

func getIntegrationHead(tx *bolt.Tx, id string) (integrationHead, error) {
	return decodeIntegrationHead(id, tx.Bucket(bucketIntegrations).Get([]byte(id)))
}

func decodeIntegrationHead(id string, raw []byte) (integrationHead, error) {
	if raw == nil {
		return integrationHead{}, fmt.Errorf("integration %q: %w", id, ErrNotFound)
	}
	var h integrationHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return integrationHead{}, recordErr(bucketIntegrations, id, err)
	}
	return h, nil
}

// heads remembers the decoded head of each integration record with the
// record's bytes: a write transaction (every ingest request, every run
// claim) reads the head of the record as the transaction sees it, and
// decoding the whole record's JSON for it cost more than the rest of an
// event's write. A remembered head is used only for a record byte for byte
// equal to the one it was decoded from, so it is exact whatever changed
// the record, committed or not.
type heads struct {
	mu sync.Mutex
	m  map[string]headMemo
}

type headMemo struct {
	raw  []byte
	head integrationHead
}

// integrationHead is getIntegrationHead through s.heads.
func (s *Store) integrationHead(tx *bolt.Tx, id string) (integrationHead, error) {
	raw := tx.Bucket(bucketIntegrations).Get([]byte(id))
	s.heads.mu.Lock()
	m, ok := s.heads.m[id]
	s.heads.mu.Unlock()
	if ok && raw != nil && bytes.Equal(m.raw, raw) {
		return m.head, nil
	}
	h, err := decodeIntegrationHead(id, raw)
	s.heads.mu.Lock()
	defer s.heads.mu.Unlock()
	switch {
	case err != nil:
		delete(s.heads.m, id)
	default:
		if s.heads.m == nil {
			s.heads.m = map[string]headMemo{}
		}
		s.heads.m[id] = headMemo{raw: bytes.Clone(raw), head: h} // raw lives in the mapped file only while tx is open
	}
	return h, err
}

func (s *Store) getIntegration(tx *bolt.Tx, id string) (Integration, error) {
	raw := tx.Bucket(bucketIntegrations).Get([]byte(id))
	if raw == nil {
		return Integration{}, fmt.Errorf("integration %q: %w", id, ErrNotFound)
	}
	var rec integrationRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Integration{}, recordErr(bucketIntegrations, id, err)
	}
	in := rec.Integration
	in.Version = max(in.Version, 1) // stored before versions were kept
	var err error
	if in.Trigger.Secrets, err = s.openSecrets(rec.SealedSecrets, func(k string) string { return secretBinding(id, k) }); err != nil {
		return Integration{}, recordErr(bucketIntegrations, id, fmt.Errorf("integration %q %w", in.Name, err))
	}
	for i, st := range in.Steps {
		bind := func(k string) string { return stepSecretBinding(id, st.ID, k) }
		if in.Steps[i].Secrets, err = s.openSecrets(rec.SealedStepSecrets[st.ID], bind); err != nil {
			return Integration{}, recordErr(bucketIntegrations, id, fmt.Errorf("integration %q step %q %w", in.Name, st.ID, err))
		}
	}
	return in, nil
}

// openSecrets opens sealed values, each under its binding (nil for none).
func (s *Store) openSecrets(sealed map[string]string, binding func(key string) string) (map[string]Secret, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	out := make(map[string]Secret, len(sealed))
	for k, v := range sealed {
		plain, err := s.sealer.open(v, binding(k))
		if err != nil {
			return nil, fmt.Errorf("secret %q: %w", k, err)
		}
		out[k] = plain
	}
	return out, nil
}

// sealSecrets seals values, each under its binding, leaving out the empty
// ones (nil for none).
func (s *Store) sealSecrets(plain map[string]Secret, binding func(key string) string) (map[string]string, error) {
	var out map[string]string
	for k, v := range plain {
		sealed, err := s.sealer.seal(v, binding(k))
		if err != nil {
			return nil, err
		}
		if sealed == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = sealed
	}
	return out, nil
}

func (s *Store) putIntegration(tx *bolt.Tx, in Integration) error {
	rec := integrationRecord{Integration: in}
	var err error
	if rec.SealedSecrets, err = s.sealSecrets(in.Trigger.Secrets, func(k string) string { return secretBinding(in.ID, k) }); err != nil {
		return err
	}
	for _, st := range in.Steps {
		sealed, err := s.sealSecrets(st.Secrets, func(k string) string { return stepSecretBinding(in.ID, st.ID, k) })
		if err != nil {
			return err
		}
		if sealed != nil {
			if rec.SealedStepSecrets == nil {
				rec.SealedStepSecrets = map[string]map[string]string{}
			}
			rec.SealedStepSecrets[st.ID] = sealed
		}
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	s.integrationsChanged(tx)
	return tx.Bucket(bucketIntegrations).Put([]byte(in.ID), raw)
}
