package console

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/ssh"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// call is one RunCommand invocation seen by the fake runner.
type call struct {
	id   Identity
	args []string
}

// fixture is a console listening on loopback over a real engine and store,
// with an admin, a viewer and a stranger key.
type fixture struct {
	t                           *testing.T
	srv                         *Server
	addr                        string
	dir                         string
	adminFile, viewerFile, host string
	admin, viewer, stranger     gossh.Signer

	calls chan call
	log   *screen // the server's log

	mu      sync.Mutex
	offered []ssh.PublicKey // every key the public-key callback was asked about
}

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authorizedLine is an authorized_keys line for key with a comment.
func authorizedLine(key gossh.PublicKey, comment string) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key))) + " " + comment + "\n"
}

func writeFile(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newEngine builds a real engine over a temp store with the account
// "sandbox" connected to a simulated org (not started: this test needs the
// screens, not runs).
func newEngine(t *testing.T, dir string) *engine.Engine {
	t.Helper()
	st, err := storage.Open(filepath.Join(dir, "oktaflow.db"), storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	sim := oktatest.NewServer(oktatest.Options{RateLimit: 100000})
	e, err := engine.New(engine.Options{Store: st, OktaOptions: []okta.Option{okta.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.Stop(ctx)
		sim.Close()
		st.Close()
	})
	if _, err := e.AddAccount(context.Background(), engine.AccountInput{Name: "sandbox", Domain: sim.URL, Token: storage.Secret(sim.Token), AllowHTTP: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// fakeRun records who ran what, writes to both streams, and exits with the
// code asked for ("exit N"); "panic" panics.
func (f *fixture) fakeRun(_ context.Context, id Identity, args []string, _ io.Reader, out, errOut io.Writer) int {
	f.calls <- call{id: id, args: args}
	if len(args) > 0 && args[0] == "panic" {
		panic("a bug in a command")
	}
	fmt.Fprintf(out, "ran %s as %s\n", strings.Join(args, " "), id.Who())
	fmt.Fprintln(errOut, "on stderr")
	if len(args) == 2 && args[0] == "exit" {
		n, _ := strconv.Atoi(args[1])
		return n
	}
	return 0
}

// newFixture starts a console; tune adjusts its options before it starts.
func newFixture(t *testing.T, tune ...func(*Options)) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{
		t: t, dir: dir,
		adminFile: filepath.Join(dir, "admin_keys"), viewerFile: filepath.Join(dir, "viewer_keys"),
		host:  filepath.Join(dir, "hostkeys", "ssh_host_ed25519"),
		admin: newSigner(t), viewer: newSigner(t), stranger: newSigner(t),
		calls: make(chan call, 16), log: &screen{},
	}
	writeFile(t, f.adminFile, "# admins\n", authorizedLine(f.admin.PublicKey(), "alice@admin"))
	writeFile(t, f.viewerFile, authorizedLine(f.viewer.PublicKey(), "victor@viewer"))
	e := newEngine(t, dir)
	o := Options{
		Addr: "127.0.0.1:0", HostKeyPath: f.host, AdminKeys: f.adminFile, ViewerKeys: f.viewerFile,
		Engine: e, HookBase: "http://127.0.0.1:8780", Run: f.fakeRun,
		Logger: slog.New(slog.NewTextHandler(f.log, nil)),
	}
	for _, fn := range tune {
		fn(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	// Watch what the public-key callback is asked about, to show that a
	// test offering a key really made the server see it.
	check := srv.ssh.PublicKeyHandler
	srv.ssh.PublicKeyHandler = func(ctx ssh.Context, key ssh.PublicKey) bool {
		f.mu.Lock()
		f.offered = append(f.offered, key)
		f.mu.Unlock()
		return check(ctx, key)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		sctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return f
}

// sawOffered reports whether the public-key callback was asked about key.
func (f *fixture) sawOffered(key gossh.PublicKey) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.offered {
		if ssh.KeysEqual(k, key) {
			return true
		}
	}
	return false
}

func (f *fixture) config(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User: "tester", Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // a test server on loopback
		Timeout:         10 * time.Second,
	}
}

// dial connects with the given signers (offered and used in order).
func (f *fixture) dial(signers ...gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", f.addr, f.config(gossh.PublicKeys(signers...)))
}

func (f *fixture) mustDial(signers ...gossh.Signer) *gossh.Client {
	f.t.Helper()
	c, err := f.dial(signers...)
	if err != nil {
		f.t.Fatalf("dial: %v", err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c
}

// command runs one command in a session without a PTY.
func (f *fixture) command(signer gossh.Signer, cmd string) (stdout, stderr string, code int) {
	f.t.Helper()
	c := f.mustDial(signer)
	sess, err := c.NewSession()
	if err != nil {
		f.t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	default:
		f.t.Fatalf("run %q: %v", cmd, err)
	}
	return out.String(), errOut.String(), code
}

// nextCall returns the next RunCommand invocation.
func (f *fixture) nextCall() call {
	f.t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(10 * time.Second):
		f.t.Fatal("RunCommand was not called")
		return call{}
	}
}

func (f *fixture) noCall() {
	f.t.Helper()
	select {
	case c := <-f.calls:
		f.t.Fatalf("RunCommand ran for a refused client: %+v", c)
	default:
	}
}

// screen collects what a PTY session prints (or what the server logs).
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.buf.String())
}

// waitFor polls the session's output until it shows every text; the
// deadline only ends a hung test.
func (s *screen) waitFor(t *testing.T, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := s.text()
		missing := ""
		for _, text := range texts {
			if !strings.Contains(out, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session never showed %q; it showed:\n%s", missing, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// app opens a session with a PTY (as ssh -t does) and starts the shell.
func (f *fixture) app(signer gossh.Signer) (*screen, *gossh.Session) {
	f.t.Helper()
	c := f.mustDial(signer)
	sess, err := c.NewSession()
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { sess.Close() })
	scr := &screen{}
	sess.Stdout, sess.Stderr = scr, scr
	// Stdin stays open (a pipe nobody writes) so the program keeps running.
	if _, err := sess.StdinPipe(); err != nil {
		f.t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 110, gossh.TerminalModes{}); err != nil {
		f.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		f.t.Fatal(err)
	}
	return scr, sess
}

func TestAdminWithPTYGetsTheApp(t *testing.T) {
	f := newFixture(t)
	scr, _ := f.app(f.admin)
	scr.waitFor(t, "oktaflow", "Integrations", "Press n to create your first integration")
	if strings.Contains(scr.text(), "read-only") {
		t.Fatalf("an admin's app says read-only:\n%s", scr.text())
	}
	f.noCall() // a PTY session is the app, not a command
}

func TestViewerWithPTYGetsReadOnlyApp(t *testing.T) {
	f := newFixture(t)
	scr, _ := f.app(f.viewer)
	scr.waitFor(t, "Integrations", "viewer · read-only", "An admin can create one")
	if strings.Contains(scr.text(), "Press n to create") {
		t.Fatalf("a viewer is invited to create an integration:\n%s", scr.text())
	}
}

func TestTwoSessionsAtOnce(t *testing.T) {
	f := newFixture(t)
	adminScr, _ := f.app(f.admin)
	viewerScr, _ := f.app(f.viewer)
	adminScr.waitFor(t, "Integrations")
	viewerScr.waitFor(t, "Integrations", "viewer · read-only")
	if strings.Contains(adminScr.text(), "read-only") {
		t.Fatal("the viewer's role leaked into the admin's session")
	}
}

func TestCommandSessionRunsTheCLI(t *testing.T) {
	f := newFixture(t)
	out, errOut, code := f.command(f.admin, "runs --json")
	if code != 0 || !strings.Contains(out, "ran runs --json as ssh:") || !strings.Contains(errOut, "on stderr") {
		t.Fatalf("admin command: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	c := f.nextCall()
	want := Identity{Role: engine.RoleAdmin, Fingerprint: gossh.FingerprintSHA256(f.admin.PublicKey()), Comment: "alice@admin", User: "tester"}
	if c.id.Role != want.Role || c.id.Fingerprint != want.Fingerprint || c.id.Comment != want.Comment || c.id.User != want.User {
		t.Fatalf("identity %+v, want %+v", c.id, want)
	}
	if !strings.HasPrefix(c.id.Remote, "127.0.0.1:") {
		t.Fatalf("remote %q", c.id.Remote)
	}
	if want := "ssh:" + want.Fingerprint + " alice@admin"; c.id.Who() != want {
		t.Fatalf("Who() = %q, want %q", c.id.Who(), want)
	}
	if strings.Join(c.args, "|") != "runs|--json" {
		t.Fatalf("args %q", c.args)
	}

	// the exit code reaches the client; a viewer's identity says viewer
	_, _, code = f.command(f.viewer, "exit 3")
	if code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	c = f.nextCall()
	if c.id.Role != engine.RoleViewer || c.id.Fingerprint != gossh.FingerprintSHA256(f.viewer.PublicKey()) || c.id.Comment != "victor@viewer" {
		t.Fatalf("viewer identity %+v", c.id)
	}

	// connects and disconnects are logged with who and from where
	fp := gossh.FingerprintSHA256(f.admin.PublicKey())
	for _, want := range []string{`msg="ssh session started"`, `msg="ssh session ended"`, "key=" + fp, "comment=alice@admin", "remote=127.0.0.1:", "duration="} {
		if !strings.Contains(f.log.text(), want) {
			t.Errorf("the log has no %s:\n%s", want, f.log.text())
		}
	}

	// no PTY and no command: a hint, exit 1, nothing run
	_, errOut, code = f.command(f.admin, "")
	if code != 1 || !strings.Contains(errOut, "Connect with a terminal") {
		t.Fatalf("bare session: code %d, stderr %q", code, errOut)
	}
	f.noCall()
}

func TestUnknownKeyIsRefused(t *testing.T) {
	f := newFixture(t)
	if c, err := f.dial(f.stranger); err == nil {
		c.Close()
		t.Fatal("a key in neither file was let in")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("unexpected error: %v", err)
	}
	// Password and keyboard-interactive auth are off, whatever is typed.
	cfg := f.config(gossh.Password("anything"), gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		return nil, nil
	}))
	if c, err := gossh.Dial("tcp", f.addr, cfg); err == nil {
		c.Close()
		t.Fatal("password/keyboard-interactive auth let a client in")
	}
	f.noCall()
}

// lyingSigner presents one public key and signs with another private key.
type lyingSigner struct {
	pub  gossh.PublicKey
	sign gossh.Signer
}

func (l lyingSigner) PublicKey() gossh.PublicKey { return l.pub }
func (l lyingSigner) Sign(r io.Reader, data []byte) (*gossh.Signature, error) {
	return l.sign.Sign(r, data)
}

// offerOnly presents a key it cannot sign with, as a client does when it
// offers a key whose private half it does not have (an agent that refuses,
// a forwarded key that went away).
type offerOnly struct{ gossh.Signer }

func (offerOnly) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return nil, errors.New("this client only offers the key")
}

// offerThenUse authenticates by first offering each of `offered` (the
// server's public-key callback accepts an allowed one: SSH_MSG_USERAUTH_PK_OK)
// without proving it holds the key, then authenticating with `used`.
//
// The golang client's publickey method stops at the first key whose
// signing fails, so each key goes in a publickey attempt of its own, chosen
// by AuthCallback. On the wire this is what OpenSSH does when a key it
// offered cannot sign: it moves on to the next identity.
func offerThenUse(used gossh.Signer, offered ...gossh.Signer) gossh.ClientAuthCallback {
	step := 0
	return func(*gossh.ClientAuthContext) (gossh.AuthMethod, error) {
		step++
		switch {
		case step <= len(offered):
			return gossh.PublicKeys(offerOnly{offered[step-1]}), nil
		case step == len(offered)+1:
			return gossh.PublicKeys(used), nil
		}
		return nil, errors.New("no more keys")
	}
}

// sessionAs dials with cfg and runs one command; it returns who the
// server said the session was.
func (f *fixture) sessionAs(cfg *gossh.ClientConfig) Identity {
	f.t.Helper()
	c, err := gossh.Dial("tcp", f.addr, cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		f.t.Fatal(err)
	}
	defer sess.Close()
	if out, err := sess.CombinedOutput("whoami"); err != nil {
		f.t.Fatalf("%v %s", err, out)
	}
	return f.nextCall().id
}

// TestOfferedKeyIsNotTheUsedKey covers the gap between the keys the
// public-key callback sees and the key a session is authenticated with.
// The callback answers "would you accept this key?" queries too, so
// accepting a key there proves nothing; the server must take the role from
// the key whose signature it verified. Each case checks (through a wrapper
// around the server's callback) that the allowed key really was presented
// to and accepted by the callback, so a pass is not just a client that
// never sent it.
//
// A limit worth knowing: golang.org/x/crypto/ssh (since v0.31) caches one
// key only, so the last key its callback sees is always the one that
// signed. These cases therefore also pass for a server that took the role
// from the last key its callback accepted; they guard the outcome (the
// role follows the signing key) against changes in either layer, while the
// re-check of s.PublicKey() in identify is what makes it hold by design.
func TestOfferedKeyIsNotTheUsedKey(t *testing.T) {
	t.Run("admin key presented, stranger's signature", func(t *testing.T) {
		// The server sees the admin public key (the callback says yes to
		// the query), then a signature made with the stranger's private
		// key, which does not verify under the admin key.
		f := newFixture(t)
		if c, err := f.dial(lyingSigner{pub: f.admin.PublicKey(), sign: f.stranger}); err == nil {
			c.Close()
			t.Fatal("a signature by another key was accepted for the admin key")
		}
		if !f.sawOffered(f.admin.PublicKey()) {
			t.Fatal("the server never saw the admin key: the test proved nothing")
		}
		f.noCall()
	})

	t.Run("admin key offered, stranger key used", func(t *testing.T) {
		f := newFixture(t)
		cfg := f.config()
		cfg.AuthCallback = offerThenUse(f.stranger, f.admin)
		if c, err := gossh.Dial("tcp", f.addr, cfg); err == nil {
			c.Close()
			t.Fatal("a stranger got in after offering the admin key")
		}
		if !f.sawOffered(f.admin.PublicKey()) || !f.sawOffered(f.stranger.PublicKey()) {
			t.Fatal("the server did not see both keys: the test proved nothing")
		}
		f.noCall()
	})

	t.Run("admin key offered, viewer key used", func(t *testing.T) {
		f := newFixture(t)
		cfg := f.config()
		cfg.AuthCallback = offerThenUse(f.viewer, f.admin)
		got := f.sessionAs(cfg)
		if !f.sawOffered(f.admin.PublicKey()) {
			t.Fatal("the server never saw the admin key: the test proved nothing")
		}
		if got.Role != engine.RoleViewer || got.Fingerprint != gossh.FingerprintSHA256(f.viewer.PublicKey()) {
			t.Fatalf("offering the admin key made the session %+v; want the viewer's", got)
		}
	})

	t.Run("viewer, then admin offered, viewer key used", func(t *testing.T) {
		// The admin key is the last one the callback accepted before the
		// viewer signs with a key it was asked about earlier: a role kept
		// from the "last key seen" would make this session an admin's.
		f := newFixture(t)
		cfg := f.config()
		cfg.AuthCallback = offerThenUse(f.viewer, f.viewer, f.admin)
		got := f.sessionAs(cfg)
		if !f.sawOffered(f.admin.PublicKey()) {
			t.Fatal("the server never saw the admin key: the test proved nothing")
		}
		if got.Role != engine.RoleViewer || got.Comment != "victor@viewer" {
			t.Fatalf("the session is %+v; want the viewer's", got)
		}
	})

	t.Run("viewer key offered, admin key used", func(t *testing.T) {
		// and the other way round: the admin is an admin, whatever was offered before
		f := newFixture(t)
		cfg := f.config()
		cfg.AuthCallback = offerThenUse(f.admin, f.viewer)
		if got := f.sessionAs(cfg); got.Role != engine.RoleAdmin || got.Comment != "alice@admin" {
			t.Fatalf("session %+v; want the admin's", got)
		}
	})
}

func TestReloadKeys(t *testing.T) {
	f := newFixture(t)
	if _, _, code := f.command(f.admin, "version"); code != 0 {
		t.Fatal("the admin key does not work before the reload")
	}
	f.nextCall()
	if a, v := f.srv.KeyCounts(); a != 1 || v != 1 {
		t.Fatalf("keys loaded: %d admins, %d viewers", a, v)
	}

	// the admin file loses alice and gains bob
	bob := newSigner(t)
	writeFile(t, f.adminFile, authorizedLine(bob.PublicKey(), "bob@admin"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if c, err := f.dial(f.admin); err == nil {
		c.Close()
		t.Fatal("a key removed from the admin file still gets in")
	}
	if _, _, code := f.command(bob, "version"); code != 0 {
		t.Fatal("a key added to the admin file is refused")
	}
	if c := f.nextCall(); c.id.Role != engine.RoleAdmin || c.id.Comment != "bob@admin" {
		t.Fatalf("bob: %+v", c.id)
	}

	// a broken viewer file is reported with its line, and keeps no key it
	// no longer lists (fail closed): victor's line is gone, so is victor
	writeFile(t, f.viewerFile, "# viewers\n", "\n", "ssh-ed25519 not-base64!! broken\n")
	err := f.srv.ReloadKeys()
	if err == nil || !strings.Contains(err.Error(), f.viewerFile) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	if c, err := f.dial(f.viewer); err == nil {
		c.Close()
		t.Fatal("a key that a broken keys file no longer lists still gets in")
	}
	if !strings.Contains(f.log.text(), "level=ERROR") || !strings.Contains(f.log.text(), "line 3") {
		t.Errorf("the broken file is not logged at ERROR with its line:\n%s", f.log.text())
	}
}

func TestBadKeysFile(t *testing.T) {
	dir := t.TempDir()
	admin := filepath.Join(dir, "admin_keys")
	writeFile(t, admin, "# the admins\n", authorizedLine(newSigner(t).PublicKey(), "ok"), "not a key at all\n")
	_, err := New(Options{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host"), AdminKeys: admin})
	if err == nil || !strings.Contains(err.Error(), admin) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("New with a bad line: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "host")); err == nil {
		t.Error("a host key was created although the keys file is broken")
	}

	_, err = New(Options{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host"), AdminKeys: filepath.Join(dir, "missing")})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("New with a missing keys file: %v", err)
	}
	if _, err := New(Options{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host")}); err == nil {
		t.Fatal("New without admin keys succeeded")
	}
}

func TestHostKey(t *testing.T) {
	f := newFixture(t)
	fi, err := os.Stat(f.host)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(f.host)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	if signer.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", signer.PublicKey().Type())
	}
	fp := gossh.FingerprintSHA256(signer.PublicKey())
	if f.srv.Fingerprint() != fp || !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("Fingerprint() = %q, the file's key is %q", f.srv.Fingerprint(), fp)
	}

	// the key a client is shown is that one
	var seen string
	cfg := f.config(gossh.PublicKeys(f.admin))
	cfg.HostKeyCallback = func(_ string, _ net.Addr, key gossh.PublicKey) error {
		seen = gossh.FingerprintSHA256(key)
		return nil
	}
	c, err := gossh.Dial("tcp", f.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if seen != fp {
		t.Fatalf("the server presents %s; it printed %s", seen, fp)
	}

	// a second start keeps the key
	again, err := New(Options{Addr: "127.0.0.1:0", HostKeyPath: f.host, AdminKeys: f.adminFile, Engine: f.srv.o.Engine, Run: f.fakeRun})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint() != fp {
		t.Fatalf("the host key changed on restart: %s → %s", fp, again.Fingerprint())
	}
}

func TestPanicInSessionKeepsServerUp(t *testing.T) {
	f := newFixture(t)
	_, _, code := f.command(f.admin, "panic")
	f.nextCall()
	if code != 1 {
		t.Errorf("a command that panicked exited %d, want 1 (a crash is never a success)", code)
	}
	if !strings.Contains(f.log.text(), "a bug in a command") {
		t.Errorf("the panic is not in the server's log:\n%s", f.log.text())
	}
	for i := range 3 {
		out, _, code := f.command(f.viewer, "runs")
		if code != 0 || !strings.Contains(out, "ran runs") {
			t.Fatalf("session %d after the panic: code %d, %q", i, code, out)
		}
		f.nextCall()
	}
	scr, _ := f.app(f.admin)
	scr.waitFor(t, "Integrations")
}
