package engine

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// sessionFixture is a harness with the onboarding integration imported
// (OFF), one cancelled run of it, and a second account to remove.
type sessionFixture struct {
	*harness
	in   storage.Integration // a webhook integration, OFF
	feed storage.Integration // a CSV integration, ON
	run  storage.RunID
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	h := newHarness(t, oktatest.Options{})
	ctx := context.Background()
	in, err := h.e.Import(ctx, []byte(onboarding))
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.e.RunNow(in.ID, person(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.CancelRun(run, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.AddAccount(ctx, AccountInput{Name: "spare", Domain: h.sim.URL, Token: storage.Secret(h.sim.Token), AllowHTTP: true}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(h.e.FeedsDir(), 0o700)
	os.WriteFile(filepath.Join(h.e.FeedsDir(), "hr.csv"), []byte("employee_id,first,last,email\n"), 0o600)
	feed := h.importOn(hrDoc(filepath.Join(h.e.FeedsDir(), "hr.csv")))
	return &sessionFixture{harness: h, in: in, feed: feed, run: run}
}

// sessionChange is one mutating Session method, called as a front end
// would, and the audit action it must record.
type sessionChange struct {
	method string
	action string
	call   func(f *sessionFixture, s *Session) error
}

// sessionChanges lists every mutating method of Session, in an order in
// which an admin's calls all succeed on a fresh fixture.
var sessionChanges = []sessionChange{
	{"Import", "integration.create", func(f *sessionFixture, s *Session) error {
		_, err := s.Import(context.Background(), []byte(strings.Replace(onboarding, "Onboard new hires", "Second", 1)))
		return err
	}},
	{"SaveIntegration", "integration.edit", func(f *sessionFixture, s *Session) error {
		in := f.in
		in.Description = "edited"
		_, err := s.SaveIntegration(context.Background(), in)
		return err
	}},
	{"SetEnabled", "integration.enable", func(f *sessionFixture, s *Session) error {
		_, err := s.SetEnabled(context.Background(), f.in.ID, true, time.Time{})
		return err
	}},
	{"RunNow", "integration.run", func(f *sessionFixture, s *Session) error {
		_, err := s.RunNow(f.in.ID, person(2))
		return err
	}},
	{"RetryRun", "run.retry", func(f *sessionFixture, s *Session) error {
		_, err := s.RetryRun(f.run)
		return err
	}},
	{"TestIntegration", "integration.test", func(f *sessionFixture, s *Session) error {
		_, err := s.TestIntegration(context.Background(), f.in, person(3))
		return err
	}},
	{"RevealSecret", "integration.show_secret", func(f *sessionFixture, s *Session) error {
		_, err := s.RevealSecret(f.in.ID, "secret")
		return err
	}},
	{"ResetTrigger", "integration.reset_trigger", func(f *sessionFixture, s *Session) error {
		_, err := s.ResetTrigger(context.Background(), f.feed.ID, time.Time{})
		return err
	}},
	{"RefreshSchema", "account.refresh_schema", func(f *sessionFixture, s *Session) error {
		_, err := s.RefreshSchema(context.Background(), "sandbox")
		return err
	}},
	{"VerifyAccount", "account.verify", func(f *sessionFixture, s *Session) error {
		_, err := s.VerifyAccount(context.Background(), "sandbox")
		return err
	}},
	{"AddAccount", "account.add", func(f *sessionFixture, s *Session) error {
		_, err := s.AddAccount(context.Background(), AccountInput{Name: "third", Domain: f.sim.URL, Token: storage.Secret(f.sim.Token), AllowHTTP: true})
		return err
	}},
	{"CreateSandbox", "account.add", func(f *sessionFixture, s *Session) error {
		_, err := s.CreateSandbox(context.Background(), "playground")
		return err
	}},
	{"CreateSandboxWith", "account.add", func(f *sessionFixture, s *Session) error {
		_, err := s.CreateSandboxWith(context.Background(), SandboxInput{Name: "playground2", Auth: storage.AuthOAuth})
		return err
	}},
	{"CreateKissflowSandbox", "account.add", func(f *sessionFixture, s *Session) error {
		_, err := s.CreateKissflowSandbox(context.Background(), "kfplay")
		return err
	}},
	{"CompleteKissflowItem", "kissflow.complete_item", func(f *sessionFixture, s *Session) error {
		item := ""
		items, _ := f.e.KissflowSandboxItems("kfplay")
		for _, it := range items {
			if it.Status == "InProgress" && item == "" {
				item = it.ID
			}
		}
		_, err := s.CompleteKissflowItem("kfplay", item)
		return err
	}},
	{"RemoveAccount", "account.remove", func(f *sessionFixture, s *Session) error {
		return s.RemoveAccount("spare")
	}},
	{"Backup", "database.backup", func(f *sessionFixture, s *Session) error {
		_, err := s.Backup(io.Discard)
		return err
	}},
	{"DeleteIntegration", "integration.delete", func(f *sessionFixture, s *Session) error {
		return s.DeleteIntegration(context.Background(), f.in.ID)
	}},
}

// sessionReads lists every reading method of Session.
var sessionReads = map[string]func(f *sessionFixture, s *Session) error{
	"Integrations": func(f *sessionFixture, s *Session) error { _, err := s.Integrations(); return err },
	"Integration":  func(f *sessionFixture, s *Session) error { _, err := s.Integration(f.in.ID); return err },
	"IntegrationsChecked": func(f *sessionFixture, s *Session) error {
		_, _, err := s.IntegrationsChecked()
		return err
	},
	"RunsChecked": func(f *sessionFixture, s *Session) error {
		_, _, err := s.RunsChecked(storage.RunQuery{Limit: 5})
		return err
	},
	"IntegrationStats": func(f *sessionFixture, s *Session) error {
		_, err := s.IntegrationStats(f.in.ID, time.Time{})
		return err
	},
	"Export":         func(f *sessionFixture, s *Session) error { _, err := s.Export(f.in.ID); return err },
	"TriggerHealth":  func(f *sessionFixture, s *Session) error { _, err := s.TriggerHealth(f.in.ID); return err },
	"TriggerHealths": func(f *sessionFixture, s *Session) error { _, err := s.TriggerHealths(); return err },
	"Runs":           func(f *sessionFixture, s *Session) error { _, err := s.Runs(storage.RunQuery{Limit: 5}); return err },
	"Run":            func(f *sessionFixture, s *Session) error { _, err := s.Run(f.run); return err },
	"RunCounts":      func(f *sessionFixture, s *Session) error { _, err := s.RunCounts(); return err },
	"Audit":          func(f *sessionFixture, s *Session) error { _, err := s.Audit(0, 5); return err },
	"Accounts":       func(f *sessionFixture, s *Session) error { _, err := s.Accounts(); return err },
	"Account":        func(f *sessionFixture, s *Session) error { _, err := s.Account("sandbox"); return err },
	"AccountUsers":   func(f *sessionFixture, s *Session) error { _, err := s.AccountUsers("sandbox"); return err },
	"Schema": func(f *sessionFixture, s *Session) error {
		a, _ := f.store.Account("sandbox")
		_, err := s.Schema(a.ID)
		if errors.Is(err, storage.ErrNotFound) {
			err = nil
		}
		return err
	},
	"OAuthScopes":   func(f *sessionFixture, s *Session) error { _, err := s.OAuthScopes("sandbox"); return err },
	"SandboxPeople": func(f *sessionFixture, s *Session) error { _, err := s.SandboxPeople("x"); return err },
	"SandboxFile":   func(f *sessionFixture, s *Session) error { _, err := s.SandboxFile("x"); return err },
	"KissflowSandboxItems": func(f *sessionFixture, s *Session) error {
		if _, err := s.KissflowSandboxItems(""); errors.Is(err, ErrForbidden) {
			return err
		}
		return nil // there may be no Kissflow sandbox: not a matter of roles
	},
	"ListenStatus": func(f *sessionFixture, s *Session) error { _, err := s.ListenStatus(); return err },
	"Groups": func(f *sessionFixture, s *Session) error {
		_, err := s.Groups(context.Background(), "sandbox", "")
		return err
	},
	"FeedsDir": func(f *sessionFixture, s *Session) error { _, err := s.FeedsDir(); return err },
	"CSVColumns": func(f *sessionFixture, s *Session) error {
		if _, err := s.CSVColumns("none.csv", "", ""); errors.Is(err, ErrForbidden) {
			return err
		}
		return nil // there is no such file: not a matter of roles
	},
	"KissflowFields": func(f *sessionFixture, s *Session) error {
		if _, err := s.KissflowFields(context.Background(), "sandbox", "P"); errors.Is(err, ErrForbidden) {
			return err
		}
		return nil // the account is no Kissflow account: not a matter of roles
	},
	"StarterSample": func(f *sessionFixture, s *Session) error {
		if s.StarterSample(storage.Trigger{Type: "webhook"}) == nil {
			return ErrForbidden
		}
		return nil
	},
	"Validate": func(f *sessionFixture, s *Session) error { return s.Validate(f.in) },
	"Preview":  func(f *sessionFixture, s *Session) error { _, err := s.Preview(f.in, person(1)); return err },
	"Sample": func(f *sessionFixture, s *Session) error {
		_, err := s.Sample(context.Background(), f.in)
		if err != nil && !errors.Is(err, ErrForbidden) && strings.Contains(err.Error(), "no sample until") {
			err = nil // a webhook's sample is its latest run's event; the cancelled run has one
		}
		return err
	},
	"Subscribe": func(f *sessionFixture, s *Session) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := s.Subscribe(ctx)
		select {
		case _, open := <-ch:
			if !open {
				return ErrForbidden
			}
		default:
		}
		return nil
	},
}

// identityMethods need no role.
var identityMethods = []string{"Who", "Role", "Can", "WithRoleSource"}

// TestSessionMethodsAreClassified keeps the tables honest: every exported
// method of Session is listed as a change (refused for viewers, audited)
// or a read, so a new method cannot skip the rules unnoticed.
func TestSessionMethodsAreClassified(t *testing.T) {
	typ := reflect.TypeFor[*Session]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		_, isRead := sessionReads[name]
		isChange := slices.ContainsFunc(sessionChanges, func(c sessionChange) bool { return c.method == name })
		if !isRead && !isChange && !slices.Contains(identityMethods, name) {
			t.Errorf("Session.%s is neither in sessionChanges nor in sessionReads", name)
		}
	}
}

func TestSessionViewerIsRefusedEveryChange(t *testing.T) {
	f := newSessionFixture(t)
	viewer := f.e.Session("ssh:SHA256:viewer bob", RoleViewer)
	before, _ := f.store.Audit(0, 100)
	ints, _ := f.store.Integrations()
	accounts, _ := f.store.Accounts()
	for _, c := range sessionChanges {
		t.Run(c.method, func(t *testing.T) {
			if ok, why := viewer.Can(opOf(t, c.method)); ok || why == "" {
				t.Errorf("Can = %v, %q; want false with a reason", ok, why)
			}
			err := c.call(f, viewer)
			var fe *ForbiddenError
			if !errors.Is(err, ErrForbidden) || !errors.As(err, &fe) || fe.Role != RoleViewer {
				t.Fatalf("err = %v, want a *ForbiddenError", err)
			}
			if !strings.Contains(err.Error(), "viewer role") {
				t.Errorf("the error does not say why: %v", err)
			}
		})
	}
	after, _ := f.store.Audit(0, 100)
	if len(after) != len(before) {
		t.Errorf("refused calls wrote audit entries: %+v", after[:len(after)-len(before)])
	}
	ints2, _ := f.store.Integrations()
	accounts2, _ := f.store.Accounts()
	webhook, _ := f.store.Integration(f.in.ID)
	if len(ints2) != len(ints) || webhook.Enabled || webhook.Description != "" || len(accounts2) != len(accounts) {
		t.Errorf("a refused call changed something: %+v %+v", ints2, accounts2)
	}
	if r, _ := f.store.Run(f.run); r.State != storage.RunCancelled {
		t.Errorf("the cancelled run is %s", r.State)
	}
	for name, read := range sessionReads {
		if err := read(f, viewer); err != nil {
			t.Errorf("viewer %s: %v", name, err)
		}
	}
}

// opOf is the op a change method needs.
func opOf(t *testing.T, method string) Op {
	t.Helper()
	ops := map[string]Op{
		"Import": OpEditIntegration, "SaveIntegration": OpEditIntegration, "DeleteIntegration": OpDeleteIntegration,
		"SetEnabled": OpToggle, "ResetTrigger": OpResetTrigger, "RunNow": OpRunNow, "RetryRun": OpRetry,
		"TestIntegration": OpTest, "RevealSecret": OpRevealSecret, "AddAccount": OpAccounts, "CreateSandbox": OpAccounts,
		"CreateKissflowSandbox": OpAccounts, "CompleteKissflowItem": OpRunNow,
		"VerifyAccount": OpAccounts, "CreateSandboxWith": OpAccounts, "RemoveAccount": OpAccounts, "RefreshSchema": OpAccounts, "Backup": OpBackup,
	}
	op, ok := ops[method]
	if !ok {
		t.Fatalf("no op for %s", method)
	}
	return op
}

func TestSessionAdminChangesAreAuditedWithWho(t *testing.T) {
	f := newSessionFixture(t)
	admin := f.e.Session("local:alice", RoleAdmin)
	for _, c := range sessionChanges {
		if ok, _ := admin.Can(opOf(t, c.method)); !ok {
			t.Errorf("admin cannot %s", c.method)
		}
		if err := c.call(f, admin); err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		last, err := f.store.Audit(0, 1)
		if err != nil || len(last) != 1 {
			t.Fatalf("%s: audit %v %v", c.method, last, err)
		}
		if last[0].Who != "local:alice" || last[0].Action != c.action || last[0].Target == "" {
			t.Errorf("%s audited as %+v, want %s by local:alice", c.method, last[0], c.action)
		}
	}
}

func TestSessionNoRoleReadsNothing(t *testing.T) {
	f := newSessionFixture(t)
	role := RoleAdmin
	s := f.e.Session("ssh:SHA256:gone", RoleAdmin).WithRoleSource(func() Role { return role })
	if err := sessionReads["Integrations"](f, s); err != nil {
		t.Fatal(err)
	}
	role = RoleNone // the key was removed from the keys file
	for name, read := range sessionReads {
		if err := read(f, s); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s after revocation: %v", name, err)
		}
	}
	for _, c := range sessionChanges {
		if err := c.call(f, s); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s after revocation: %v", c.method, err)
		}
	}
	if _, why := s.Can(OpRead); !strings.Contains(why, "revoked") {
		t.Errorf("reason %q", why)
	}
}

func TestSessionAuditFailureIsReturnedWithTheResult(t *testing.T) {
	f := newSessionFixture(t)
	admin := f.e.Session("local:alice", RoleAdmin)
	disk := errors.New("disk full")
	admin.addAudit = func(storage.AuditEntry) (storage.AuditEntry, error) { return storage.AuditEntry{}, disk }
	_, err := admin.SetEnabled(context.Background(), f.in.ID, true, time.Time{})
	var ae *AuditError
	if !errors.Is(err, ErrAuditFailed) || !errors.Is(err, disk) || !errors.As(err, &ae) || ae.Entry.Action != "integration.enable" {
		t.Fatalf("err = %v", err)
	}
	if in, _ := f.store.Integration(f.in.ID); !in.Enabled {
		t.Error("the change should stand: it was made before the audit failed")
	}
	if !strings.Contains(err.Error(), "the change was made") {
		t.Errorf("message: %v", err)
	}
}

func TestSessionRedactsSecrets(t *testing.T) {
	f := newSessionFixture(t)
	viewer := f.e.Session("ssh:SHA256:viewer", RoleViewer)
	admin := f.e.Session("local:alice", RoleAdmin)
	clear := "change-me-0123456789"

	for _, s := range []*Session{viewer, admin} {
		list, err := s.Accounts()
		if err != nil {
			t.Fatal(err)
		}
		one, _ := s.Account("sandbox")
		for _, a := range append(list, one) {
			assertNoClearSecret(t, reflect.ValueOf(a), f.sim.Token)
		}
	}
	in, err := viewer.Integration(f.in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Trigger.Secrets["secret"].Reveal(); got == clear || got == "" {
		t.Errorf("viewer sees the webhook secret as %q", got)
	}
	list, _ := viewer.Integrations()
	masked := 0
	for _, in := range list {
		if sec, ok := in.Trigger.Secrets["secret"]; ok {
			masked++
			if sec.Reveal() == clear {
				t.Error("viewer's list holds the webhook secret")
			}
		}
	}
	if masked != 1 {
		t.Errorf("the webhook's secret is in %d listed integrations", masked)
	}
	if _, err := viewer.RevealSecret(f.in.ID, "secret"); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer reveal: %v", err)
	}
	if in, _ := admin.Integration(f.in.ID); in.Trigger.Secrets["secret"].Reveal() != clear {
		t.Error("an admin edits the integration with its secret")
	}
	if sec, err := admin.RevealSecret(f.in.ID, "secret"); err != nil || sec.Reveal() != clear {
		t.Errorf("admin reveal: %q %v", sec.Mask(), err)
	}
	// A viewer samples the stored integration only, never a draft of theirs.
	draft := storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "http_poll", Config: map[string]any{"url": "http://169.254.169.254/", "id_field": "id"}}}
	if _, err := viewer.Sample(context.Background(), draft); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer sampled a draft: %v", err)
	}
}

// assertNoClearSecret fails when any storage.Secret inside v holds want.
func assertNoClearSecret(t *testing.T, v reflect.Value, want string) {
	t.Helper()
	switch {
	case v.Type() == secretType:
		if v.String() == want {
			t.Errorf("a secret comes back in clear: %s", v.Type())
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			assertNoClearSecret(t, v.Field(i), want)
		}
	case v.Kind() == reflect.Map:
		for it := v.MapRange(); it.Next(); {
			assertNoClearSecret(t, it.Value(), want)
		}
	}
}
