package console

import (
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// optionLine is an authorized_keys line with options.
func optionLine(opts string, key gossh.PublicKey, comment string) string {
	return opts + " " + authorizedLine(key, comment)
}

func TestKeyOptionFrom(t *testing.T) {
	loopbackAlias(t, "127.0.0.2")
	f := newFixture(t)
	writeFile(t, f.adminFile, optionLine(`from="127.0.0.2"`, f.admin.PublicKey(), "alice"),
		optionLine(`from="!127.0.0.1,127.0.0.0/8"`, f.viewer.PublicKey(), "victor-as-admin"))
	writeFile(t, f.viewerFile)
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []gossh.Signer{f.admin, f.viewer} {
		if c, err := f.dial(s); err == nil { // from 127.0.0.1
			c.Close()
			t.Errorf("a key with a from= option that excludes 127.0.0.1 got in from there")
		}
		c, err := f.dialFrom("127.0.0.2", s)
		if err != nil {
			t.Fatalf("from an allowed address: %v", err)
		}
		c.Close()
	}
}

func TestKeyOptionCommandAndPTY(t *testing.T) {
	f := newFixture(t)
	bob, carol, dan := newSigner(t), newSigner(t), newSigner(t)
	writeFile(t, f.adminFile,
		optionLine(`command="runs --json"`, f.admin.PublicKey(), "alice"),
		optionLine(`no-pty`, bob.PublicKey(), "bob"),
		optionLine(`restrict`, carol.PublicKey(), "carol"),
		optionLine(`restrict,pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc,permitopen="x:1"`, dan.PublicKey(), "dan"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	// command=: whatever the client asks, that command runs
	if _, _, code := f.command(f.admin, "integration delete int_x"); code != 0 {
		t.Fatal("the forced command failed")
	}
	if c := f.nextCall(); strings.Join(c.args, " ") != "runs --json" || c.id.Terminal {
		t.Fatalf("a key with command= ran %q (terminal %v)", c.args, c.id.Terminal)
	}
	// ... with a terminal too: no app, the command, told that its output
	// goes to a screen (a backup refuses to stream there)
	scr, sess := f.app(f.admin)
	scr.waitFor(t, "ran runs --json")
	sess.Wait()
	if c := f.nextCall(); !c.id.Terminal {
		t.Errorf("a forced command in a session with a terminal: Identity.Terminal is false")
	}

	// no-pty and restrict: the terminal is refused, so no app
	for name, s := range map[string]gossh.Signer{"no-pty": bob, "restrict": carol} {
		c := f.mustDial(s)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err == nil {
			t.Errorf("%s: the terminal was granted", name)
		}
		var out strings.Builder
		sess.Stderr = &out
		sess.Shell()
		sess.Wait()
		if !strings.Contains(out.String(), "may run commands but not open the app") || strings.Contains(out.String(), "Integrations") {
			t.Errorf("%s: a session without a terminal showed %q", name, out.String())
		}
	}
	// restrict,pty: the app
	scr, _ = f.app(dan)
	scr.waitFor(t, "Integrations")
}

func TestKeyOptionExpiry(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var later atomic.Int64 // how far the clock has moved on
	f := newFixture(t, func(o *Options) { o.Now = func() time.Time { return now.Add(time.Duration(later.Load())) } })
	writeFile(t, f.adminFile, optionLine(`expiry-time="20261130T"`, f.admin.PublicKey(), "bad"))
	if err := f.srv.ReloadKeys(); err == nil || !strings.Contains(err.Error(), "expiry-time") {
		t.Fatalf("a bad expiry-time: %v", err)
	}
	writeFile(t, f.adminFile, optionLine(`expiry-time="20261130"`, f.admin.PublicKey(), "expired"),
		optionLine(`expiry-time="202611301300Z"`, f.viewer.PublicKey(), "for an hour"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if c, err := f.dial(f.admin); err == nil {
		c.Close()
		t.Fatal("an expired key got in")
	}
	scr, sess := f.app(f.viewer)
	scr.waitFor(t, "Integrations")
	// an hour later the key has expired: its open session is closed
	later.Store(int64(time.Hour))
	f.srv.closeRevoked()
	waitClosed(t, sess, "the session of an expired key")
}

// TestKeyOptionsRefused: an option the console cannot honour refuses its
// line, with the line and the reason.
func TestKeyOptionsRefused(t *testing.T) {
	key := newSigner(t).PublicKey()
	for _, c := range []struct{ opts, want string }{
		{`environment="A=B"`, "environment"},
		{`cert-authority`, "certificates"},
		{`principals="alice"`, "certificates"},
		{`tunnel="0"`, "tunnel"},
		{`port-forwarding`, "never forwards ports"},
		{`verify-required`, "verify-required"},
		{`command=""`, "empty"},
		{`from="10.0.0.0/33"`, "CIDR"},
		{`from=10.0.0.1`, "double quotes"},
		{`frobnicate`, "frobnicate"},
	} {
		dir := t.TempDir()
		admin := filepath.Join(dir, "admin_keys")
		writeFile(t, admin, "# admins\n", optionLine(c.opts, key, "k"))
		_, err := New(Options{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host"), AdminKeys: admin})
		if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want line 2 refused saying %q", c.opts, err, c.want)
		}
	}
}

func TestParseKeyOptions(t *testing.T) {
	o, err := parseKeyOptions([]string{`FROM="10.1.*,!10.1.2.3"`, `Command="run show \"1\""`, `restrict`, `pty`, `no-touch-required`})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.command, "|") != "run|show|1" || o.noPTY || !o.noTouch || len(o.from) != 2 {
		t.Fatalf("options %+v", o)
	}
	for addr, want := range map[string]bool{"10.1.9.9:22": true, "10.1.2.3:22": false, "10.2.0.1:22": false} {
		a, _ := netTCPAddr(addr)
		if got := o.allowsFrom(a); got != want {
			t.Errorf("from %s: %v, want %v", addr, got, want)
		}
	}
}

func netTCPAddr(s string) (*net.TCPAddr, error) { return net.ResolveTCPAddr("tcp", s) }
