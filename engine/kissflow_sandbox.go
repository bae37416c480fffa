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

// KissflowSandboxItem is an item of a Kissflow sandbox, for people.
type KissflowSandboxItem struct {
	Account     string // the sandbox account's name
	ProcessID   string
	ID          string
	Status      string
	Name, Email string
	Department  string
	OktaUserID  string
	CreatedAt   time.Time
	CompletedAt time.Time
}

func sandboxItem(account, process string, it kissflowtest.Item) KissflowSandboxItem {
	s := func(k string) string { v, _ := it.Values[k].(string); return v }
	return KissflowSandboxItem{Account: account, ProcessID: process, ID: it.ID, Status: it.Status,
		Name: strings.TrimSpace(s("First_Name") + " " + s("Last_Name")), Email: s("Email"), Department: s("Department"),
		OktaUserID: s("Okta_User_ID"), CreatedAt: it.CreatedAt, CompletedAt: it.CompletedAt}
}

// kissflowSandbox finds a running sandbox by account id or name; "" means
// the only one.
func (e *Engine) kissflowSandbox(account string) (*kfSandbox, error) {
	list := e.kissflow.sandboxes.list()
	if account == "" {
		switch len(list) {
		case 0:
			return nil, errors.New("there is no Kissflow sandbox: create one (oktaflow kissflow sandbox NAME)")
		case 1:
			return list[0], nil
		}
		names := make([]string, len(list))
		for i, sb := range list {
			names[i] = sb.name
		}
		return nil, fmt.Errorf("there are %d Kissflow sandboxes (%s): say which with --account", len(list), strings.Join(names, ", "))
	}
	a, err := e.store.Account(account)
	if err != nil {
		return nil, err
	}
	if !IsKissflowSandbox(a) {
		return nil, fmt.Errorf("account %q is not a Kissflow sandbox: its items are in Kissflow itself", a.Name)
	}
	sb := e.kissflow.sandboxes.get(a.ID)
	if sb == nil {
		return nil, fmt.Errorf("the Kissflow sandbox %q is not running (its engine has not started)", a.Name)
	}
	return sb, nil
}

// KissflowSandboxItems lists the items of a Kissflow sandbox ("" : the only
// one), process by process, oldest first.
func (e *Engine) KissflowSandboxItems(account string) ([]KissflowSandboxItem, error) {
	sb, err := e.kissflowSandbox(account)
	if err != nil {
		return nil, err
	}
	var out []KissflowSandboxItem
	for _, p := range sb.acct.Processes() {
		items, err := sb.acct.Items(p.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, sandboxItem(sb.name, p.ID, it))
		}
	}
	return out, nil
}

// CompleteKissflowItem completes an item of a Kissflow sandbox, as its last
// approver would in Kissflow: _status Completed, _completed_at now. The
// sandbox is saved at once.
func (e *Engine) CompleteKissflowItem(account, itemID string) (KissflowSandboxItem, error) {
	sb, err := e.kissflowSandbox(account)
	if err != nil {
		return KissflowSandboxItem{}, err
	}
	process, _, err := sb.acct.FindItem(itemID)
	if err != nil {
		return KissflowSandboxItem{}, fmt.Errorf("Kissflow sandbox %q has no item %q: list them with oktaflow kissflow items", sb.name, itemID)
	}
	it, err := sb.acct.Complete(process, itemID)
	if err != nil {
		return KissflowSandboxItem{}, err
	}
	if err := sb.save(); err != nil {
		return sandboxItem(sb.name, process, it), err
	}
	return sandboxItem(sb.name, process, it), nil
}

// Session seams: the role check and the audit entry go through the
// Session's one gate (change, read).

// KissflowSandboxItems lists a Kissflow sandbox's items.
func (s *Session) KissflowSandboxItems(account string) ([]KissflowSandboxItem, error) {
	return read(s, func() ([]KissflowSandboxItem, error) { return s.e.KissflowSandboxItems(account) })
}

// CompleteKissflowItem completes an item of a Kissflow sandbox: a change
// that starts runs, so it needs the right to run integrations.
func (s *Session) CompleteKissflowItem(account, itemID string) (KissflowSandboxItem, error) {
	return change(s, OpRunNow, func() (KissflowSandboxItem, *entry, error) {
		it, err := s.e.CompleteKissflowItem(account, itemID)
		if err != nil {
			return it, nil, err
		}
		return it, &entry{"kissflow.complete_item", it.ID, it.Account + " " + it.ProcessID + " " + it.Name}, nil
	})
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
