package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
	"github.com/oktaflow/oktaflow/storage"
)

// The Kissflow sandbox is the Kissflow simulator run inside oktaflow, as
// the sandbox org is for Okta: a Kissflow account (kind kissflow) whose
// simulated account has the process Employee_Onboarding with a few items
// in every state, served on a free loopback port whenever the engine's
// sandboxes start. Its processes and items (never its key, which stays
// sealed in the account) live in KissflowSandboxFile beside the database.
//
// A Kissflow sandbox is an account of kind kissflow with the Sandbox flag
// set when it is created (databases from before the flag are migrated by
// the store); see IsKissflowSandbox.
//
// Invariants (with those of every sandbox, in simhost.go): a running
// sandbox's account holds the URL of its current server, written before
// anything can use it (the port is new at every start).

// KissflowSandboxPrefix starts the Kissflow account id of every sandbox,
// so that it reads as one in the Kissflow URLs; the account's Sandbox flag
// is what says it is one.
const KissflowSandboxPrefix = "AcSandbox"

// KissflowSandboxProcess is the sandbox's process.
const KissflowSandboxProcess = "Employee_Onboarding"

// kissflowSandboxFields are the form fields of the sandbox's process.
var kissflowSandboxFields = []kissflowtest.Field{
	{ID: "First_Name", Name: "First name", Type: "Text", Required: true},
	{ID: "Last_Name", Name: "Last name", Type: "Text", Required: true},
	{ID: "Email", Name: "Email", Type: "Email", Required: true},
	{ID: "Department", Name: "Department", Type: "Dropdown"},
	{ID: "Okta_User_ID", Name: "Okta user id", Type: "Text"},
}

// kissflowSandboxHires are the items of a new sandbox: new hires (none of
// them in the sandbox org yet), in every state; the InProgress ones are
// the ones to complete.
var kissflowSandboxHires = []struct{ first, last, department, status string }{
	{"Maya", "Johnson", "Engineering", kissflowtest.InProgress},
	{"Ethan", "Brooks", "Sales", kissflowtest.InProgress},
	{"Sofia", "Rossi", "Engineering", kissflowtest.InProgress},
	{"Lucas", "Meyer", "Sales", kissflowtest.Draft},
	{"Hana", "Sato", "Engineering", kissflowtest.Completed},
	{"Omar", "Haddad", "Sales", kissflowtest.Rejected},
	{"Chloe", "Martin", "Engineering", kissflowtest.Withdrawn},
}

// IsKissflowSandbox reports whether an account is a Kissflow sandbox.
func IsKissflowSandbox(a storage.Account) bool {
	return a.Kind == storage.AccountKissflow && a.Sandbox
}

// kfSandboxSet holds the Kissflow sandboxes running in this engine.
type kfSandboxSet = simSet[*kfSandbox]

type kfSandbox struct {
	simHost
	acct *kissflowtest.Account
	srv  *kissflowtest.Server
}

func newKfSandbox(accountID, name, path string) *kfSandbox {
	return &kfSandbox{simHost: simHost{accountID: accountID, name: name, path: path, label: "Kissflow sandbox"}}
}

func (sb *kfSandbox) host() *simHost { return &sb.simHost }

// run records the account the sandbox serves and its server.
func (sb *kfSandbox) run(acct *kissflowtest.Account, srv *kissflowtest.Server) {
	sb.acct, sb.srv = acct, srv
	sb.serve(acct, kfServer{srv})
}

// kfServer is a Kissflow simulator's server as a simServer.
type kfServer struct{ *kissflowtest.Server }

func (s kfServer) Close() { _ = s.Server.Close() }

// KissflowSandboxFile is where a Kissflow sandbox's state is kept.
func (e *Engine) KissflowSandboxFile(accountID string) string {
	return filepath.Join(filepath.Dir(e.store.Path()), "kissflow-sandbox-"+accountID+".json")
}

func randomKey(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a Kissflow sandbox key: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func (sb *kfSandbox) options(a storage.Account) kissflowtest.Options {
	return kissflowtest.Options{
		AccountID: a.KissflowAccountID, AccessKeyID: a.KissflowAccessKeyID, AccessKeySecret: a.Token.Reveal(),
		Seed:     mrand.Uint64(),
		OnChange: func() { sb.dirty.Store(true) },
	}
}

// seed builds a fresh simulated account: the process and its items, created
// over the last days (the Completed one completed yesterday).
func (e *Engine) seedKissflowSandbox(sb *kfSandbox, a storage.Account) (*kissflowtest.Account, error) {
	acct := kissflowtest.NewAccount(sb.options(a))
	acct.AddProcess(KissflowSandboxProcess, "Employee onboarding", kissflowSandboxFields)
	now := e.now()
	for i, h := range kissflowSandboxHires {
		email := strings.ToLower(h.first+"."+h.last) + "@example.com"
		created := now.Add(-time.Duration(len(kissflowSandboxHires)-i) * 24 * time.Hour)
		if _, err := acct.AddItem(KissflowSandboxProcess, h.status, map[string]any{
			"First_Name": h.first, "Last_Name": h.last, "Email": email, "Department": h.department, "Okta_User_ID": "",
		}, created); err != nil {
			return nil, err
		}
	}
	sb.dirty.Store(true)
	return acct, nil
}

// CreateKissflowSandbox creates a Kissflow sandbox account: a fresh
// simulated Kissflow account with the process Employee_Onboarding and its
// items, served on a free loopback port, verified like any Kissflow
// account, and saved beside the database. Nothing is left behind when it
// fails.
func (e *Engine) CreateKissflowSandbox(ctx context.Context, name string) (storage.Account, error) {
	if err := storage.ValidateName(name); err != nil {
		return storage.Account{}, err
	}
	if _, err := e.store.Account(name); err == nil {
		return storage.Account{}, fmt.Errorf("an account named %q exists already: %w; pick another name", name, storage.ErrExists)
	}
	keyID, err := randomKey("AK", 12)
	if err != nil {
		return storage.Account{}, err
	}
	secret, err := randomKey("", 30)
	if err != nil {
		return storage.Account{}, err
	}
	accountID, err := randomKey(KissflowSandboxPrefix, 6)
	if err != nil {
		return storage.Account{}, err
	}
	accountID = strings.NewReplacer("-", "x", "_", "y").Replace(accountID)
	set := e.kissflow.sandboxes
	set.ops.Lock()
	defer set.ops.Unlock()
	a := storage.Account{Name: name, Kind: storage.AccountKissflow, Sandbox: true, AllowHTTP: true,
		KissflowAccountID: accountID, KissflowAccessKeyID: keyID, Token: storage.Secret(secret)}
	sb := newKfSandbox("", name, "")
	acct, err := e.seedKissflowSandbox(sb, a)
	if err != nil {
		return storage.Account{}, err
	}
	srv, err := kissflowtest.StartServer("127.0.0.1:0", acct)
	if err != nil {
		return storage.Account{}, fmt.Errorf("start the Kissflow sandbox: %w", err)
	}
	sb.run(acct, srv)
	a.OrgURL = sb.srv.URL
	if _, err := e.verifyKissflow(ctx, kissflowConfig(a), true, KissflowSandboxProcess); err != nil {
		sb.srv.Close()
		return storage.Account{}, fmt.Errorf("the Kissflow sandbox does not answer as it should: %w", err)
	}
	a.VerifiedAs, a.VerifiedAt = "Sandbox Admin", e.now().UTC()
	saved, err := e.store.AddAccount(a)
	if err != nil {
		sb.srv.Close()
		return storage.Account{}, err
	}
	sb.accountID, sb.path = saved.ID, e.KissflowSandboxFile(saved.ID)
	if err := sb.save(); err != nil {
		sb.srv.Close()
		if rerr := e.store.RemoveAccount(saved.ID); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove the half-created account %q: %w", name, rerr))
		}
		return storage.Account{}, err
	}
	set.add(sb, e.log)
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: saved.ID})
	e.log.Info("created Kissflow sandbox", "account", name, "url", sb.srv.URL, "state", sb.path)
	return saved, nil
}

// startKissflowSandboxes starts every Kissflow sandbox not running yet (the
// engine's StartSandboxes calls it). A sandbox whose file is missing or
// damaged (kept aside as ".damaged") starts freshly seeded; that, and one
// that could not start, is logged and returned joined.
func (e *Engine) startKissflowSandboxes(ctx context.Context) error {
	accounts, err := e.store.Accounts()
	if err != nil {
		return fmt.Errorf("list Kissflow sandbox accounts: %w", err)
	}
	set := e.kissflow.sandboxes
	set.ops.Lock()
	defer set.ops.Unlock()
	var problems []error
	for _, a := range accounts {
		if !IsKissflowSandbox(a) || set.get(a.ID) != nil {
			continue
		}
		if err := e.startKissflowSandbox(a); err != nil {
			e.log.Warn("Kissflow sandbox", "account", a.Name, "err", err)
			problems = append(problems, err)
		}
	}
	return errors.Join(problems...)
}

func (e *Engine) startKissflowSandbox(a storage.Account) error {
	sb := newKfSandbox(a.ID, a.Name, e.KissflowSandboxFile(a.ID))
	acct, warning := sb.load(a)
	if acct == nil {
		var err error
		if acct, err = e.seedKissflowSandbox(sb, a); err != nil {
			return errors.Join(warning, err)
		}
	}
	srv, err := kissflowtest.StartServer("127.0.0.1:0", acct)
	if err != nil {
		return errors.Join(warning, fmt.Errorf("Kissflow sandbox %q: start it: %w", a.Name, err))
	}
	sb.run(acct, srv)
	a.OrgURL = srv.URL
	if err := e.store.UpdateAccount(a); err != nil {
		srv.Close()
		return errors.Join(warning, fmt.Errorf("Kissflow sandbox %q: record its new address: %w", a.Name, err))
	}
	e.kissflow.forget(a.ID)
	if warning != nil {
		if err := sb.save(); err != nil {
			warning = errors.Join(warning, err)
		}
	}
	e.kissflow.sandboxes.add(sb, e.log)
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	e.log.Info("started Kissflow sandbox", "account", a.Name, "url", srv.URL)
	return warning
}

// load reads a sandbox's saved state; nil and why when there is none or it
// cannot be read (a damaged file is moved aside).
func (sb *kfSandbox) load(a storage.Account) (*kissflowtest.Account, error) {
	return loadState(&sb.simHost, func(r io.Reader) (*kissflowtest.Account, error) { return kissflowtest.LoadAccount(r, sb.options(a)) })
}

// stopKissflowSandboxes stops the saver, shuts every sandbox's server down
// and saves it (the engine's stopSandboxes calls it).
func (e *Engine) stopKissflowSandboxes(ctx context.Context) error {
	return e.kissflow.sandboxes.stopAll(ctx, e.log)
}

// removeKissflowSandbox stops a removed sandbox and deletes its file.
func (e *Engine) removeKissflowSandbox(a storage.Account) error {
	s := e.kissflow.sandboxes
	s.ops.Lock()
	defer s.ops.Unlock()
	s.remove(a.ID)
	e.kissflow.forget(a.ID)
	return removeStateFiles("Kissflow sandbox", a.Name, e.KissflowSandboxFile(a.ID))
}

// CreateKissflowSandbox creates a Kissflow sandbox account.
func (s *Session) CreateKissflowSandbox(ctx context.Context, name string) (storage.Account, error) {
	return change(s, OpAccounts, func() (storage.Account, *entry, error) {
		a, err := s.e.CreateKissflowSandbox(ctx, name)
		if err != nil {
			return storage.Account{}, nil, err
		}
		return redactAccount(a), &entry{"account.add", a.ID, a.Name + " Kissflow sandbox " + a.OrgURL}, nil
	})
}
