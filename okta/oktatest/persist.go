package oktatest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// snapshotVersion is the format version Save writes and LoadOrg accepts.
const snapshotVersion = 1

// snapshot is the saved state of an org: users (secrets hashed), groups,
// the schema, the System Log and the id counters. The API token is not
// part of it: whoever loads the org supplies it in Options.
type snapshot struct {
	Version  int         `json:"version"`
	Org      orgMeta     `json:"org"`
	IDSeq    uint64      `json:"idSeq"`
	IDSuffix string      `json:"idSuffix"`
	Users    []*user     `json:"users"`
	Groups   []*group    `json:"groups"`
	Schema   schema      `json:"schema"`
	EventSeq int64       `json:"eventSeq"`
	Events   []*logEvent `json:"events"`
	// Clients are the OAuth service apps (public keys only); absent in
	// orgs saved before OAuth support.
	Clients []*oauthClient `json:"clients,omitempty"`
}

// Save writes the org's state as JSON, for the sandbox account to keep
// between runs. It never writes the API token or a password.
func (o *Org) Save(w io.Writer) error {
	o.mu.Lock()
	s := snapshot{
		Version: snapshotVersion, Org: o.meta, IDSeq: o.ids.seq, IDSuffix: o.ids.suffix,
		Users: o.users, Groups: o.groups, Schema: o.schema, EventSeq: o.eventSeq, Events: o.events,
		Clients: o.savedClients(),
	}
	b, err := json.Marshal(s)
	o.mu.Unlock()
	if err != nil {
		return fmt.Errorf("oktatest: saving org: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// LoadOrg restores an org written by Save. opts supplies what is not saved
// (token, rate limits, faults, shape, OnRequest); its AdminLogin, SeedUsers
// and CustomAttrs are ignored, since the saved org has its own admin, users
// and schema.
func LoadOrg(r io.Reader, opts Options) (*Org, error) {
	if err := checkTier(opts); err != nil {
		return nil, fmt.Errorf("oktatest: Options: %w", err)
	}
	var s snapshot
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("oktatest: reading saved org: %w", err)
	}
	if s.Version != snapshotVersion {
		return nil, fmt.Errorf("oktatest: saved org has format version %d, this build reads version %d", s.Version, snapshotVersion)
	}
	o := emptyOrg(opts, time.Now)
	o.meta, o.ids.seq, o.ids.suffix = s.Org, s.IDSeq, s.IDSuffix
	o.schema, o.eventSeq, o.events = s.Schema, s.EventSeq, s.Events
	for _, u := range s.Users {
		if u == nil || u.ID == "" || u.login() == "" {
			return nil, fmt.Errorf("oktatest: saved org holds a user without id or login")
		}
		if o.byID[u.ID] != nil || o.byLogin[strings.ToLower(u.login())] != nil {
			return nil, fmt.Errorf("oktatest: saved org holds user %s (%s) twice", u.ID, u.login())
		}
		if u.Profile == nil {
			u.Profile = map[string]any{}
		}
		o.insertUser(u)
	}
	if o.byID[s.Org.AdminID] == nil {
		return nil, fmt.Errorf("oktatest: saved org has no admin user %q", s.Org.AdminID)
	}
	for _, g := range s.Groups {
		if g == nil || g.ID == "" || o.groupByID[g.ID] != nil {
			return nil, fmt.Errorf("oktatest: saved org holds a group without id, or twice")
		}
		o.groups = append(o.groups, g)
		o.groupByID[g.ID] = g
	}
	if err := o.restoreClients(s.Clients); err != nil {
		return nil, err
	}
	for _, c := range opts.OAuthClients {
		if o.clients[c.ID] != nil {
			continue // saved already, with its own key and scopes
		}
		cl, err := o.newOAuthClient(c)
		if err != nil {
			return nil, err
		}
		o.addClientLocked(cl)
	}
	o.index.setLag(o, o.opts.SearchLag)
	return o, nil
}
