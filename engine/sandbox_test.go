package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// sandboxEnv is an engine over a store at a given path, as one process of
// oktaflow would have it; a second one over the same path is a restart.
type sandboxEnv struct {
	t    *testing.T
	st   *storage.Store
	e    *Engine
	logs *syncBuffer
	once sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func openSandboxEnv(t *testing.T, dbPath string) *sandboxEnv {
	t.Helper()
	st, err := storage.Open(dbPath, storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	e, err := New(Options{
		Store: st, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OktaOptions:  []okta.Option{okta.WithRetryBackoff(time.Millisecond, 20*time.Millisecond)},
		PollInterval: 20 * time.Millisecond, NoTriggers: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := &sandboxEnv{t: t, st: st, e: e, logs: logs}
	t.Cleanup(env.close)
	return env
}

// close stops the engine (saving the sandboxes) and closes the store, once.
func (env *sandboxEnv) close() {
	env.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.e.Stop(ctx); err != nil {
			env.t.Errorf("stop: %v", err)
		}
		if err := env.st.Close(); err != nil {
			env.t.Errorf("close the store: %v", err)
		}
	})
}

// addUserDoc is an integration whose one step creates a user in the
// account "play", custom attribute included.
const addUserDoc = `{"name": "Add to the sandbox", "trigger": {"type": "manual"},
 "steps": [{"id": "create", "action": "okta.add_user", "account": "play",
            "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}",
                       "email": "{{ trigger.email }}", "login": "{{ trigger.email }}",
                       "employeeId": "{{ trigger.id }}"},
            "options": {"activate": true}}]}`

func addUserIntegration(t *testing.T) storage.Integration {
	t.Helper()
	doc, err := ParseDocument([]byte(addUserDoc))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Integration()
}

// savedOrg reads a sandbox's state file as the next start would.
func savedOrg(t *testing.T, path string) *oktatest.Org {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	org, err := oktatest.LoadOrg(f, oktatest.Options{})
	if err != nil {
		t.Fatalf("the saved org does not load: %v", err)
	}
	return org
}

func TestSandboxCreateRestartAndRun(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "oktaflow.db")
	env := openSandboxEnv(t, dbPath)

	a, err := env.e.CreateSandbox(ctx, "play")
	if err != nil {
		t.Fatal(err)
	}
	token := a.Token.Reveal()
	if a.Kind != storage.AccountSandbox || a.VerifiedAs != "admin@example.com" || !strings.HasPrefix(a.OrgURL, "http://127.0.0.1:") || len(token) < 40 {
		t.Fatalf("sandbox account: %+v (token %d chars)", a, len(token))
	}
	if got := env.e.Sandboxes(); len(got) != 1 || got["play"] != a.OrgURL {
		t.Fatalf("Sandboxes() = %v, want play at %s", got, a.OrgURL)
	}

	t.Run("schema has the custom attributes", func(t *testing.T) {
		sc, err := env.st.Schema(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		custom := map[string]string{}
		for _, f := range sc.Fields {
			if f.Custom {
				custom[f.Name] = f.Type
			}
		}
		if custom["employeeId"] != "string" || custom["startDate"] != "string" {
			t.Fatalf("custom attributes: %v", custom)
		}
	})

	t.Run("seeded users and groups", func(t *testing.T) {
		org := env.e.sandboxes.get(a.ID).org
		status := map[string]string{}
		for _, u := range org.Users() {
			status[u.Login] = u.Status
		}
		for login, want := range map[string]string{
			"admin@example.com": "ACTIVE", "olivia.smith@example.com": "ACTIVE", "amelia.chen@example.com": "ACTIVE",
			"priya.nguyen@example.com": "PROVISIONED", "marcus.kowalski@example.com": "SUSPENDED",
		} {
			if status[login] != want {
				t.Errorf("%s is %q, want %s", login, status[login], want)
			}
		}
		members := map[string]int{}
		for _, g := range org.Groups() {
			members[g.Name] = len(g.MemberIDs)
		}
		if members["Engineering"] != 3 || members["Sales"] != 3 {
			t.Errorf("group members: %v", members)
		}
		if u, _ := org.UserByLogin("liam.patel@example.com"); u.Profile["employeeId"] != "E1002" || u.Profile["department"] != "Engineering" {
			t.Errorf("liam's profile: %v", u.Profile)
		}
	})

	t.Run("name taken or invalid", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			want error
		}{{"PLAY", storage.ErrExists}, {"not a name", storage.ErrInvalid}, {"", storage.ErrInvalid}} {
			if _, err := env.e.CreateSandbox(ctx, tc.name); !errors.Is(err, tc.want) {
				t.Errorf("CreateSandbox(%q) = %v, want %v", tc.name, err, tc.want)
			}
		}
		if n := len(env.e.Sandboxes()); n != 1 {
			t.Errorf("%d sandboxes after refused creates, want 1", n)
		}
	})

	path := env.e.SandboxFile(a.ID)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file %s: %v %v", path, fi, err)
	}
	sb := env.e.sandboxes.get(a.ID)
	if _, err := env.e.VerifyAccount(ctx, "play"); err != nil || sb.dirty.Load() {
		t.Fatalf("a read must not mark the org changed: err %v dirty %v", err, sb.dirty.Load())
	}

	// a step creates a user in the sandbox (the engine was never started)
	out, err := env.e.TestIntegration(ctx, addUserIntegration(t), map[string]any{"first": "Grace", "last": "Hopper", "email": "grace.hopper@example.com", "id": "E2001"})
	if err != nil || len(out) != 1 || out[0].Error != nil {
		t.Fatalf("test run: %v %+v", err, out)
	}
	if !sb.dirty.Load() {
		t.Fatal("a create must mark the org changed")
	}
	env.close() // Stop saves although Start was never called
	if u, ok := savedOrg(t, path).UserByLogin("grace.hopper@example.com"); !ok || u.Profile["employeeId"] != "E2001" {
		t.Fatalf("grace not saved: %+v", u)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), token) || strings.Contains(env.logs.String(), token) {
		t.Fatal("the token leaked into the state file or the log")
	}

	// Hold the old port, so the restart cannot land on it by chance.
	old, _ := url.Parse(a.OrgURL)
	if ln, err := net.Listen("tcp", old.Host); err == nil {
		defer ln.Close()
	}

	env2 := openSandboxEnv(t, dbPath)
	if err := env2.e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := env2.st.Account("play")
	if err != nil {
		t.Fatal(err)
	}
	if b.OrgURL == a.OrgURL || env2.e.Sandboxes()["play"] != b.OrgURL {
		t.Fatalf("after restart the account is at %s (before %s), Sandboxes() %v", b.OrgURL, a.OrgURL, env2.e.Sandboxes())
	}
	if err := env2.e.StartSandboxes(ctx); err != nil || env2.e.Sandboxes()["play"] != b.OrgURL || len(env2.e.Sandboxes()) != 1 {
		t.Fatalf("a second StartSandboxes must start nothing: %v %v", err, env2.e.Sandboxes())
	}
	cl, _, err := env2.e.clients.get("play")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := cl.GetUser(ctx, "grace.hopper@example.com"); err != nil || u.Profile["employeeId"] != "E2001" {
		t.Fatalf("grace after restart: %v %v", u, err)
	}

	// a run through the started engine creates another user
	in, err := env2.e.Import(ctx, []byte(addUserDoc))
	if err != nil {
		t.Fatal(err)
	}
	id, err := env2.e.RunNow(in.ID, map[string]any{"first": "Alan", "last": "Turing", "email": "alan.turing@example.com", "id": "E2002"})
	if err != nil {
		t.Fatal(err)
	}
	var r storage.Run
	waitUntil(t, func() bool { r, _ = env2.st.Run(id); return r.State.Final() })
	if r.State != storage.RunSucceeded {
		t.Fatalf("run: %s %+v", r.State, r.Error)
	}

	// Stop saves; starting the sandboxes again moves the port and forgets the old client.
	ctxStop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := env2.e.Stop(ctxStop); err != nil {
		t.Fatal(err)
	}
	if len(env2.e.Sandboxes()) != 0 {
		t.Fatalf("sandboxes still running after Stop: %v", env2.e.Sandboxes())
	}
	if _, ok := savedOrg(t, path).UserByLogin("alan.turing@example.com"); !ok {
		t.Fatal("alan not saved on Stop")
	}
	if err := env2.e.StartSandboxes(ctx); err != nil {
		t.Fatal(err)
	}
	env2.e.clients.mu.Lock()
	_, cached := env2.e.clients.m[a.ID]
	env2.e.clients.mu.Unlock()
	if cached {
		t.Fatal("the client of the old port is still cached")
	}
	if c, _ := env2.st.Account("play"); c.OrgURL != env2.e.Sandboxes()["play"] {
		t.Fatalf("account at %s, sandbox at %s", c.OrgURL, env2.e.Sandboxes()["play"])
	}
}

func TestSandboxBadStateFileStartsFresh(t *testing.T) {
	for _, tc := range []struct {
		name    string
		damage  func(path string) error
		want    string
		damaged bool // the bad file is kept aside
	}{
		{"missing", os.Remove, "is missing", false},
		{"not JSON", func(p string) error { return os.WriteFile(p, []byte("{\"version\": 1, \"users\": [tru"), 0o600) }, "is damaged", true},
		{"future format", func(p string) error { return os.WriteFile(p, []byte(`{"version": 99}`), 0o600) }, "format version 99", true},
		{"no admin", func(p string) error { return os.WriteFile(p, []byte(`{"version": 1, "users": []}`), 0o600) }, "no admin user", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			env := openSandboxEnv(t, filepath.Join(t.TempDir(), "oktaflow.db"))
			a, err := env.e.CreateSandbox(ctx, "play")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := env.e.TestIntegration(ctx, addUserIntegration(t), map[string]any{"first": "Grace", "last": "Hopper", "email": "grace.hopper@example.com", "id": "E2001"}); err != nil {
				t.Fatal(err)
			}
			if err := env.e.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			path := env.e.SandboxFile(a.ID)
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}

			err = env.e.StartSandboxes(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "freshly seeded") || !strings.Contains(err.Error(), `"play"`) {
				t.Fatalf("StartSandboxes = %v, want a warning naming the sandbox and %q", err, tc.want)
			}
			if !strings.Contains(env.logs.String(), "level=WARN") || !strings.Contains(env.logs.String(), tc.want) {
				t.Errorf("the problem was not logged:\n%s", env.logs.String())
			}
			if _, err := os.Stat(path + ".damaged"); (err == nil) != tc.damaged {
				t.Errorf("damaged copy kept: %v, want %v", err == nil, tc.damaged)
			}
			// the fresh org runs, is verified, is saved, and holds the seed but not grace
			if v, err := env.e.VerifyAccount(ctx, "play"); err != nil || v.VerifiedAs != "admin@example.com" {
				t.Fatalf("verify the fresh sandbox: %v", err)
			}
			saved := savedOrg(t, path)
			if _, ok := saved.UserByLogin("olivia.smith@example.com"); !ok {
				t.Error("the fresh org lacks the seeded users")
			}
			if _, ok := saved.UserByLogin("grace.hopper@example.com"); ok {
				t.Error("grace cannot be in a fresh org")
			}
			if sc, err := env.st.Schema(a.ID); err != nil || len(sc.Fields) == 0 {
				t.Errorf("schema after re-seeding: %v", err)
			}
		})
	}
}

func TestSandboxRemove(t *testing.T) {
	ctx := context.Background()
	env := openSandboxEnv(t, filepath.Join(t.TempDir(), "oktaflow.db"))
	a, err := env.e.CreateSandbox(ctx, "play")
	if err != nil {
		t.Fatal(err)
	}
	keep, err := env.e.CreateSandbox(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	path := env.e.SandboxFile(a.ID)
	if err := os.WriteFile(path+".damaged", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}

	// refused while an integration uses it: the file and the server stay
	in, err := env.e.Import(ctx, []byte(addUserDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := env.e.RemoveAccount("play"); !errors.Is(err, storage.ErrInUse) {
		t.Fatalf("remove while in use = %v, want ErrInUse", err)
	}
	if _, err := os.Stat(path); err != nil || env.e.Sandboxes()["play"] == "" {
		t.Fatalf("a refused remove must keep the sandbox: %v %v", err, env.e.Sandboxes())
	}

	if err := env.e.DeleteIntegration(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.e.RemoveAccount("play"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".damaged"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	if got := env.e.Sandboxes(); len(got) != 1 || got["other"] == "" {
		t.Fatalf("Sandboxes() after remove = %v", got)
	}
	env.close() // Stop must not save the removed sandbox back
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed sandbox's file came back: %v", err)
	}
	if _, err := os.Stat(env.e.SandboxFile(keep.ID)); err != nil {
		t.Errorf("the other sandbox's file: %v", err)
	}
}

func TestSandboxPeriodicSave(t *testing.T) {
	ctx := context.Background()
	env := openSandboxEnv(t, filepath.Join(t.TempDir(), "oktaflow.db"))
	env.e.sandboxes.every = 10 * time.Millisecond
	a, err := env.e.CreateSandbox(ctx, "play")
	if err != nil {
		t.Fatal(err)
	}
	path := env.e.SandboxFile(a.ID)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// reads leave the file alone: several ticks pass without a write
	for range 3 {
		if _, err := env.e.VerifyAccount(ctx, "play"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Millisecond)
	}
	if after, _ := os.Stat(path); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged sandbox was saved again")
	}
	// a change is saved by the next tick, while the engine runs
	if _, err := env.e.TestIntegration(ctx, addUserIntegration(t), map[string]any{"first": "Grace", "last": "Hopper", "email": "grace.hopper@example.com", "id": "E2001"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool {
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		org, err := oktatest.LoadOrg(f, oktatest.Options{})
		if err != nil {
			return false
		}
		_, ok := org.UserByLogin("grace.hopper@example.com")
		return ok
	})
	if leftovers, _ := filepath.Glob(path + ".tmp-*"); len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}
