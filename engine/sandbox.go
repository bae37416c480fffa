package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

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
