package engine

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// The sandbox org is the Okta simulator run inside oktaflow, for people
// without an Okta org. Each account of kind storage.AccountSandbox owns one
// simulated org whose state (users, groups, schema, System Log; never the
// token, which stays sealed in the account) lives in SandboxFile beside the
// database.
//
// Invariants (with those of every sandbox, in simhost.go):
//   - StartSandboxes skips accounts already running.
//   - A running sandbox's account holds the URL of its current server: the
//     port is chosen afresh at every start and written to the account before
//     anything can use it, so no client dials a stale port.

// sandboxSaveInterval is how often running sandboxes that changed are saved.
const sandboxSaveInterval = 30 * time.Second

// Custom attributes of a new sandbox's user schema. They are not base
// profile attributes (the simulator refuses those, as Okta does).
var sandboxAttrs = []oktatest.Attribute{
	{Name: "employeeId", Title: "Employee ID", Description: "HR system identifier", Type: "string"},
	{Name: "startDate", Title: "Start date", Description: "First working day (YYYY-MM-DD)", Type: "string"},
}

// sandboxGroups are the groups of a new sandbox; people join the group
// named after their department.
var sandboxGroups = []struct{ name, description string }{
	{"Engineering", "Product and platform engineers"},
	{"Sales", "Account executives and sales development"},
}

// sandboxPeople are the users of a new sandbox. startDate "" means two
// weeks after the sandbox was created (a new hire, not yet activated).
var sandboxPeople = []struct {
	first, last, department, title, status, employeeID, startDate string
}{
	{"Olivia", "Smith", "Engineering", "Engineering Manager", "ACTIVE", "E1001", "2019-04-01"},
	{"Liam", "Patel", "Engineering", "Software Engineer", "ACTIVE", "E1002", "2021-09-13"},
	{"Amelia", "Chen", "Sales", "Account Executive", "ACTIVE", "E1003", "2020-02-03"},
	{"Noah", "Garcia", "Sales", "Sales Director", "ACTIVE", "E1004", "2018-06-18"},
	{"Priya", "Nguyen", "Engineering", "Site Reliability Engineer", "PROVISIONED", "E1005", ""},
	{"Marcus", "Kowalski", "Sales", "Sales Development Representative", "SUSPENDED", "E1006", "2022-01-10"},
}

// sandboxSet holds the sandbox orgs running in this engine.
type sandboxSet = simSet[*sandbox]

func newSandboxSet() *sandboxSet { return newSimSet[*sandbox]() }

// sandbox is one running simulated org.
type sandbox struct {
	simHost
	org *oktatest.Org
	srv *oktatest.Server
}

func newSandbox(accountID, name, path string) *sandbox {
	return &sandbox{simHost: simHost{accountID: accountID, name: name, path: path, label: "sandbox"}}
}

func (sb *sandbox) host() *simHost { return &sb.simHost }

// run records the org the sandbox serves and its server.
func (sb *sandbox) run(org *oktatest.Org, srv *oktatest.Server) {
	sb.org, sb.srv = org, srv
	sb.serve(org, srv)
}

// SandboxFile is where the state of a sandbox account's org is kept: beside
// the database, named after the account id.
func (e *Engine) SandboxFile(accountID string) string {
	return filepath.Join(filepath.Dir(e.store.Path()), "sandbox-"+accountID+".json")
}

// Sandboxes returns the URL of every running sandbox org, by account name.
func (e *Engine) Sandboxes() map[string]string {
	e.sandboxes.mu.Lock()
	defer e.sandboxes.mu.Unlock()
	out := make(map[string]string, len(e.sandboxes.running))
	for _, sb := range e.sandboxes.running {
		out[sb.name] = sb.srv.URL
	}
	return out
}

// SandboxInput says how to create a sandbox account.
type SandboxInput struct {
	Name string
	// Auth is how the account signs in to its org: storage.AuthToken ("")
	// with an API token, or storage.AuthOAuth as an OAuth 2.0 service app
	// that the org has registered (private_key_jwt, DPoP required, every
	// scope the connector uses granted).
	Auth string
}

// CreateSandbox creates a sandbox account that signs in with an API token
// (see CreateSandboxWith).
func (e *Engine) CreateSandbox(ctx context.Context, name string) (storage.Account, error) {
	return e.CreateSandboxWith(ctx, SandboxInput{Name: name})
}

// CreateSandboxWith creates a sandbox account: a fresh simulated org seeded
// with a few users, two groups and two custom attributes, served on a free
// loopback port, added through AddAccount (so it is verified as any
// account is) with its schema fetched, and saved to SandboxFile. Nothing is
// left behind when it fails.
func (e *Engine) CreateSandboxWith(ctx context.Context, sin SandboxInput) (storage.Account, error) {
	name := sin.Name
	if err := storage.ValidateName(name); err != nil {
		return storage.Account{}, err
	}
	if _, err := e.store.Account(name); err == nil {
		return storage.Account{}, fmt.Errorf("an account named %q exists already: %w; pick another name", name, storage.ErrExists)
	}
	if sin.Auth != "" && sin.Auth != storage.AuthToken && sin.Auth != storage.AuthOAuth {
		return storage.Account{}, fmt.Errorf("a sandbox signs in with a token (%s) or as a service app (%s), not %q", storage.AuthToken, storage.AuthOAuth, sin.Auth)
	}
	token, err := sandboxToken()
	if err != nil {
		return storage.Account{}, err
	}
	e.sandboxes.ops.Lock()
	defer e.sandboxes.ops.Unlock()

	sb := newSandbox("", name, "")
	org, err := e.seedSandboxOrg(token, sb)
	if err != nil {
		return storage.Account{}, err
	}
	in := AccountInput{Name: name, Token: storage.Secret(token), AllowHTTP: true, Kind: storage.AccountSandbox}
	if sin.Auth == storage.AuthOAuth {
		key, err := newSandboxAppKey()
		if err != nil {
			return storage.Account{}, err
		}
		clientID, err := registerSandboxApp(org, "", key)
		if err != nil {
			return storage.Account{}, err
		}
		in.Auth, in.ClientID, in.PrivateKey, in.Scopes = storage.AuthOAuth, clientID, storage.Secret(key), oauthScopes
	}
	srv, err := oktatest.StartServer("127.0.0.1:0", org)
	if err != nil {
		return storage.Account{}, fmt.Errorf("start the sandbox org: %w", err)
	}
	sb.run(org, srv)
	in.Domain = sb.srv.URL
	a, err := e.AddAccount(ctx, in)
	if err != nil {
		sb.srv.Close()
		return storage.Account{}, err
	}
	sb.accountID, sb.path = a.ID, e.SandboxFile(a.ID)
	undo := func(cause error) (storage.Account, error) {
		sb.srv.Close()
		_ = os.Remove(sb.path)
		if err := e.store.RemoveAccount(a.ID); err != nil {
			cause = errors.Join(cause, fmt.Errorf("remove the half-created account %q: %w", name, err))
		}
		e.clients.forget(a.ID)
		return storage.Account{}, cause
	}
	if _, err := e.RefreshSchema(ctx, a.ID); err != nil {
		return undo(err)
	}
	if err := sb.save(); err != nil {
		return undo(err)
	}
	e.sandboxes.add(sb, e.log)
	e.log.Info("created sandbox org", "account", name, "url", sb.srv.URL, "state", sb.path, "auth", a.Auth)
	return e.store.Account(a.ID)
}

// newSandboxAppKey is the private key of a sandbox's service app (EC P-256,
// PKCS#8 PEM), kept sealed in the account like any app's key.
func newSandboxAppKey() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make the sandbox app's key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// registerSandboxApp registers the service app whose private key is key
// with a sandbox's org (under clientID, or a new id when ""), as an admin
// registers one: DPoP required and every scope the connector uses.
func registerSandboxApp(org *oktatest.Org, clientID string, key []byte) (string, error) {
	signer, _, err := okta.ParsePrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("the sandbox app's key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return "", err
	}
	return org.RegisterOAuthClient(oktatest.OAuthClient{ID: clientID, Name: "oktaflow sandbox app", DPoP: true, Scopes: oauthScopes,
		PublicKey: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})})
}

// StartSandboxes starts the org of every sandbox account not running yet,
// each on a free loopback port, and points the account at it. An org whose
// file is missing or cannot be read is replaced by a freshly seeded one (a
// damaged file is kept aside as ".damaged"); that and any sandbox that
// could not start are logged and returned, joined, while the others run.
// Calling it again starts nothing twice.
func (e *Engine) StartSandboxes(ctx context.Context) error {
	accounts, err := e.store.Accounts()
	if err != nil {
		return fmt.Errorf("list sandbox accounts: %w", err)
	}
	e.sandboxes.ops.Lock()
	defer e.sandboxes.ops.Unlock()
	var problems []error
	for _, a := range accounts {
		if a.Kind != storage.AccountSandbox || e.sandboxes.get(a.ID) != nil {
			continue
		}
		if err := e.startSandbox(ctx, a); err != nil {
			e.log.Warn("sandbox org", "account", a.Name, "err", err)
			problems = append(problems, err)
		}
	}
	problems = append(problems, e.startKissflowSandboxes(ctx)) // engine/kissflow_sandbox.go
	return errors.Join(problems...)
}

// startSandbox loads (or re-seeds) one sandbox's org and serves it. The
// returned error may be a warning: the sandbox then runs on a fresh org.
func (e *Engine) startSandbox(ctx context.Context, a storage.Account) error {
	sb := newSandbox(a.ID, a.Name, e.SandboxFile(a.ID))
	token := a.Token.Reveal()
	org, warning := e.loadSandboxOrg(sb, token)
	if org == nil {
		var err error
		if org, err = e.seedSandboxOrg(token, sb); err != nil {
			return errors.Join(warning, err)
		}
		if a.IsOAuth() { // the fresh org knows no app yet: register the account's again
			if _, err := registerSandboxApp(org, a.OAuthClientID, []byte(a.PrivateKey.Reveal())); err != nil {
				return errors.Join(warning, fmt.Errorf("sandbox %q: register its service app again: %w", a.Name, err))
			}
		}
	}
	srv, err := oktatest.StartServer("127.0.0.1:0", org)
	if err != nil {
		return errors.Join(warning, fmt.Errorf("sandbox %q: start its org: %w", a.Name, err))
	}
	sb.run(org, srv)
	a.OrgURL = srv.URL
	if err := e.store.UpdateAccount(a); err != nil {
		srv.Close()
		return errors.Join(warning, fmt.Errorf("sandbox %q: record its new address: %w", a.Name, err))
	}
	e.clients.forget(a.ID)
	if warning != nil {
		// a fresh org: keep it from now on, and its schema in the field lists
		if err := sb.save(); err != nil {
			warning = errors.Join(warning, err)
		}
		if _, err := e.RefreshSchema(ctx, a.ID); err != nil {
			warning = errors.Join(warning, err)
		}
	}
	e.sandboxes.add(sb, e.log)
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	e.log.Info("started sandbox org", "account", a.Name, "url", srv.URL)
	return warning
}

// loadSandboxOrg reads a sandbox's saved org. When there is none, or it
// cannot be read, it returns nil and says why (moving a damaged file aside).
func (e *Engine) loadSandboxOrg(sb *sandbox, token string) (*oktatest.Org, error) {
	return loadState(&sb.simHost, func(r io.Reader) (*oktatest.Org, error) { return oktatest.LoadOrg(r, sb.orgOptions(token)) })
}

// seedSandboxOrg builds a new org with the sandbox's users, groups and
// custom attributes. Group memberships go through the org's own API (no
// network: the handler is called directly), so they are logged as Okta would.
func (e *Engine) seedSandboxOrg(token string, sb *sandbox) (*oktatest.Org, error) {
	opts := sb.orgOptions(token)
	opts.CustomAttrs = sandboxAttrs
	org := oktatest.NewOrg(opts)
	groups := map[string]string{}
	for _, g := range sandboxGroups {
		groups[g.name] = org.AddGroup(g.name, g.description).ID
	}
	for _, p := range sandboxPeople {
		login := strings.ToLower(p.first+"."+p.last) + "@example.com"
		start := p.startDate
		if start == "" {
			start = e.now().AddDate(0, 0, 14).Format(time.DateOnly)
		}
		u := org.AddUser(map[string]any{
			"login": login, "email": login, "firstName": p.first, "lastName": p.last,
			"department": p.department, "title": p.title, "employeeId": p.employeeID, "startDate": start,
		}, p.status)
		if gid, ok := groups[p.department]; ok {
			if err := addSeedMember(org, token, gid, u.ID); err != nil {
				return nil, err
			}
		}
	}
	sb.dirty.Store(true)
	return org, nil
}

// orgOptions are the options a sandbox's org runs with: its token, a fresh
// random seed at every start (log event uuids must not repeat those of an
// earlier run), and change tracking for the periodic save.
func (sb *sandbox) orgOptions(token string) oktatest.Options {
	return oktatest.Options{
		Token: token,
		Seed:  mrand.Int64(),
		OnRequest: func(ri oktatest.RequestInfo) {
			if ri.Method != http.MethodGet && ri.Method != http.MethodHead {
				sb.dirty.Store(true)
			}
		},
	}
}

// addSeedMember puts a user in a group through the org's handler.
func addSeedMember(org *oktatest.Org, token, groupID, userID string) error {
	req, err := http.NewRequest(http.MethodPut, "http://127.0.0.1/api/v1/groups/"+groupID+"/users/"+userID, http.NoBody)
	if err != nil {
		return err
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Authorization", "SSWS "+token)
	req.Header.Set("User-Agent", "oktaflow-sandbox")
	w := &statusWriter{header: http.Header{}}
	org.ServeHTTP(w, req)
	if w.status != http.StatusNoContent {
		return fmt.Errorf("seed the sandbox org: adding a group member answered %d", w.status)
	}
	return nil
}

// statusWriter is a ResponseWriter that keeps only the status.
type statusWriter struct {
	header http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

// sandboxToken is a new random API token, shaped like Okta's (42 characters
// starting "00").
func sandboxToken() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a sandbox token: %w", err)
	}
	return "00" + base64.RawURLEncoding.EncodeToString(b), nil
}

// stopSandboxes stops the periodic savers, then shuts down every sandbox's
// server (in-flight requests get until ctx ends) and saves its state.
func (e *Engine) stopSandboxes(ctx context.Context) error {
	return errors.Join(e.sandboxes.stopAll(ctx, e.log),
		e.stopKissflowSandboxes(ctx)) // engine/kissflow_sandbox.go
}

// removeSandbox stops a removed sandbox account's org, if running, and
// deletes its state file.
func (e *Engine) removeSandbox(a storage.Account) error {
	e.sandboxes.ops.Lock()
	defer e.sandboxes.ops.Unlock()
	e.sandboxes.remove(a.ID)
	return removeStateFiles("sandbox", a.Name, e.SandboxFile(a.ID))
}

// SandboxPerson is a user of a sandbox org, for people who need names to
// test with ("Get user details" by first and last name).
type SandboxPerson struct {
	Name, Login, Status string
}

// SandboxPeople lists the users of a running sandbox org (not its admin),
// in creation order; nil when the account is not a running sandbox.
func (e *Engine) SandboxPeople(accountID string) []SandboxPerson {
	sb := e.sandboxes.get(accountID)
	if sb == nil {
		return nil
	}
	var out []SandboxPerson
	for _, u := range sb.org.Users() {
		first, _ := u.Profile["firstName"].(string)
		last, _ := u.Profile["lastName"].(string)
		if u.Login == oktatest.DefaultAdminLogin {
			continue
		}
		out = append(out, SandboxPerson{Name: strings.TrimSpace(first + " " + last), Login: u.Login, Status: u.Status})
	}
	return out
}
