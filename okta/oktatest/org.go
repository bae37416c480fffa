package oktatest

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Org is an in-memory Okta org. It is an http.Handler (see ServeHTTP) and
// safe for concurrent use.
type Org struct {
	now      func() time.Time
	inflight atomic.Int64 // requests being served, for the concurrency cap

	// mu guards everything below. Invariants: users holds every user not
	// yet deleted, in creation order, which is also id order (ids embed a
	// counter); byID and byLogin index exactly those users, byLogin by
	// lower-cased login. groups holds every group, the built-in Everyone
	// group first; Everyone's members are implicit (every user), other
	// groups list their members. events holds the System Log in persistence
	// order, Seq increasing.
	mu        sync.Mutex
	opts      Options // defaults applied; SetFaults and SetRateLimit change it
	ids       *ids
	faults    *rand.Rand // fault decisions only, so faults do not shift ids
	users     []*user
	byID      map[string]*user
	byLogin   map[string]*user
	groups    []*group
	groupByID map[string]*group
	schema    schema
	events    []*logEvent
	eventSeq  int64
	limiter   limiter
	index     searchIndex // what search, filter and q read; lags when Options.SearchLag > 0
	storm     time.Time   // every request answers 429 until then
	counts    map[RequestKey]int
	meta      orgMeta

	// OAuth 2.0 service apps: registered clients (clientOrder keeps
	// registration order for Save), issued access tokens by their string,
	// spent client-assertion and DPoP-proof jtis until they expire, and
	// the key DPoP nonces are derived from.
	clients     map[string]*oauthClient
	clientOrder []string
	tokens      map[string]*accessToken
	seenJTI     map[string]time.Time
	nonceKey    []byte
	lastPrune   time.Time // when pruneTokens last swept
}

// orgMeta holds the org's fixed identities.
type orgMeta struct {
	AdminID string `json:"adminId"`
	TokenID string `json:"tokenId"` // the 00T… id of the API token, as System Log events show it
	TypeID  string `json:"typeId"`  // the default user type, oty…
	RealmID string `json:"realmId"` // guo…
}

// schemaID is the user schema's osc… id: Okta gives it the user type's suffix.
func (m orgMeta) schemaID() string { return "osc" + strings.TrimPrefix(m.TypeID, "oty") }

// RequestKey counts requests by rate-limit bucket and response status.
type RequestKey struct {
	Bucket string
	Status int
}

// NewOrg returns an org holding its admin user (the owner of the API token),
// the built-in Everyone group, the custom attributes of opts and
// opts.SeedUsers generated ACTIVE users. It panics on invalid
// opts.CustomAttrs (see ParseAttributes for the rules).
func NewOrg(opts Options) *Org {
	return newOrg(opts, time.Now)
}

func newOrg(opts Options, now func() time.Time) *Org {
	mustCheckAttributes(opts.CustomAttrs)
	if err := checkTier(opts); err != nil {
		panic("oktatest: Options: " + err.Error())
	}
	o := emptyOrg(opts, now)
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.now()
	o.meta = orgMeta{TypeID: o.ids.fixed("oty"), RealmID: o.ids.fixed("guo"), TokenID: o.ids.fixed("00T")}
	o.schema = newSchema(t, o.opts.CustomAttrs, o.opts.Shape.SchemaMaster)
	o.addGroupLocked("Everyone", "All users in your organization", groupBuiltIn, t)
	o.meta.AdminID = o.createAdminLocked(t)
	o.seedUsersLocked(o.opts.SeedUsers, t)
	o.mustRegisterClients(o.opts.OAuthClients)
	o.index.setLag(o, o.opts.SearchLag)
	return o
}

// emptyOrg returns an org with no users, groups or log.
func emptyOrg(opts Options, now func() time.Time) *Org {
	opts = opts.withDefaults()
	return &Org{
		now:       now,
		opts:      opts,
		ids:       newIDs(opts.Seed),
		faults:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x6661756c74)),
		byID:      map[string]*user{},
		byLogin:   map[string]*user{},
		groupByID: map[string]*group{},
		limiter:   limiter{buckets: map[string]*window{}},
		counts:    map[RequestKey]int{},
		clients:   map[string]*oauthClient{},
		tokens:    map[string]*accessToken{},
		seenJTI:   map[string]time.Time{},
		nonceKey:  []byte(newIDs(opts.Seed ^ 0x6e6f6e6365).random(32)),
	}
}

// Token returns the API token the org accepts.
func (o *Org) Token() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.opts.Token
}

// UserState is a snapshot of one user, for tests.
type UserState struct {
	ID, Status, Login string
	Profile           map[string]any // a copy
	HasPassword       bool
	GroupIDs          []string // groups the user was added to; the built-in Everyone group is not listed
	Created           time.Time
}

// GroupState is a snapshot of one group, for tests. MemberIDs of the
// built-in Everyone group lists every user.
type GroupState struct {
	ID, Name, Description string
	MemberIDs             []string
}

// UserByLogin returns the user with this login, compared case-insensitively.
func (o *Org) UserByLogin(login string) (UserState, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.byLogin[strings.ToLower(login)]
	if !ok {
		return UserState{}, false
	}
	return o.userState(u), true
}

// Users returns every user, DEPROVISIONED ones included, in creation order.
// The admin user who owns the token comes first.
func (o *Org) Users() []UserState {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]UserState, len(o.users))
	for i, u := range o.users {
		out[i] = o.userState(u)
	}
	return out
}

// Groups returns every group in creation order, Everyone first.
func (o *Org) Groups() []GroupState {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]GroupState, len(o.groups))
	for i, g := range o.groups {
		out[i] = o.groupState(g)
	}
	return out
}

func (o *Org) userState(u *user) UserState {
	s := UserState{
		ID: u.ID, Status: u.Status, Login: u.login(), Profile: cloneProfile(u.Profile),
		HasPassword: u.hasPassword(), Created: u.Created,
	}
	for _, g := range o.groups {
		if g.Type != groupBuiltIn && slices.Contains(g.Members, u.ID) {
			s.GroupIDs = append(s.GroupIDs, g.ID)
		}
	}
	return s
}

func (o *Org) groupState(g *group) GroupState {
	return GroupState{ID: g.ID, Name: g.Name, Description: g.Description, MemberIDs: slices.Clone(o.members(g))}
}

// RequestCount returns how many requests in bucket were answered with status.
func (o *Org) RequestCount(bucket string, status int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[RequestKey{bucket, status}]
}

// RequestCounts returns the number of requests per bucket and status.
func (o *Org) RequestCounts() map[RequestKey]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[RequestKey]int, len(o.counts))
	for k, v := range o.counts {
		out[k] = v
	}
	return out
}

// SetRateLimit changes the requests allowed per window per bucket and the
// window length. The new limit applies to current windows at once; the new
// length applies from each bucket's next window.
func (o *Org) SetRateLimit(limit int, window time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	if window <= 0 {
		window = DefaultRateWindow
	}
	o.opts.RateLimit, o.opts.RateWindow = limit, window
}

// AddUser adds a user directly, without a request or rate limit, and logs
// its events (user.lifecycle.create and the events of reaching status) as if
// the admin had done it. status "" means ACTIVE; a user in a status that
// needs a password (ACTIVE, SUSPENDED, LOCKED_OUT, PASSWORD_EXPIRED,
// RECOVERY) gets one nobody knows. profile must hold at least login; missing
// firstName, lastName and email are derived from it. AddUser panics on an
// unknown status or a login already in use: both are bugs in the test.
func (o *Org) AddUser(profile map[string]any, status string) UserState {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.addUserLocked(profile, status, o.now())
	return o.userState(u)
}

// AddGroup adds an OKTA_GROUP directly, without a request or rate limit. It
// panics when a group of that name exists (a bug in the test).
func (o *Org) AddGroup(name, description string) GroupState {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.groupByName(name) != nil {
		panic("oktatest: AddGroup: a group named " + name + " exists already")
	}
	t := o.now()
	g := o.addGroupLocked(name, description, groupOkta, t)
	o.logEvent(nil, t, "group.lifecycle.create", groupTarget(g))
	return o.groupState(g)
}
