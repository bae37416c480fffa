package console

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
)

// waitClosed waits for a session to end; the deadline only ends a hung test.
func waitClosed(t *testing.T, sess *gossh.Session, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s is still open", what)
	}
}

// stillOpen checks that a session has not ended.
func stillOpen(t *testing.T, scr *screen, sess *gossh.Session, what string) {
	t.Helper()
	if _, err := sess.SendRequest("keepalive@openssh.com", true, nil); err != nil && strings.Contains(err.Error(), "EOF") {
		t.Fatalf("%s was closed: %v\n%s", what, err, scr.text())
	}
}

// TestRemovedKeyClosesItsSessions: taking a key out of its file closes the
// sessions already open with it (the app, and a command that is running);
// a key whose role changed is closed too; others stay.
func TestRemovedKeyClosesItsSessions(t *testing.T) {
	f := newFixture(t)
	adminScr, adminSess := f.app(f.admin)
	adminScr.waitFor(t, "Integrations")
	viewerScr, viewerSess := f.app(f.viewer)
	viewerScr.waitFor(t, "Integrations")

	bob := newSigner(t)
	writeFile(t, f.adminFile, authorizedLine(bob.PublicKey(), "bob@admin"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, adminSess, "the app of a removed admin key")
	adminScr.waitFor(t, "access revoked: this SSH key was removed")
	stillOpen(t, viewerScr, viewerSess, "the viewer's app")
	if !strings.Contains(f.log.text(), "closing an SSH session") {
		t.Errorf("the closing is not logged:\n%s", f.log.text())
	}

	// the viewer becomes an admin: the session opened as a viewer ends
	writeFile(t, f.adminFile, authorizedLine(bob.PublicKey(), "bob@admin"), authorizedLine(f.viewer.PublicKey(), "victor@admin"))
	writeFile(t, f.viewerFile)
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, viewerSess, "a session whose key changed role")
}

// TestRevokedIdentityRefusesTheNextChange: a command that is running when
// its key is removed sees its role drop to none, so the engine's Session
// refuses its next call.
func TestRevokedIdentityRefusesTheNextChange(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var id Identity
	release := make(chan struct{})
	f.srv.o.Run = func(_ context.Context, got Identity, _ []string, _ io.Reader, _, _ io.Writer) int {
		mu.Lock()
		id = got
		mu.Unlock()
		f.calls <- call{id: got}
		<-release
		return 0
	}
	c := f.mustDial(f.admin)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("integration disable int_x"); err != nil {
		t.Fatal(err)
	}
	f.nextCall()
	mu.Lock()
	if id.CurrentRole() != engine.RoleAdmin {
		t.Fatalf("role before the removal: %v", id.CurrentRole())
	}
	mu.Unlock()
	writeFile(t, f.adminFile, "# nobody\n")
	f.srv.keys.reload() // without closing sessions, to see the role source itself
	mu.Lock()
	got := id.CurrentRole()
	mu.Unlock()
	close(release)
	if got != engine.RoleNone {
		t.Fatalf("a removed key's role is %v, want none", got)
	}
	sessEng := f.srv.o.Engine.Session(id.Who(), id.Role).WithRoleSource(id.RoleNow)
	if _, err := sessEng.SetEnabled(t.Context(), "int_x", false, time.Time{}); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a change through a revoked identity: %v", err)
	}
}

// TestBrokenKeysFileFailsClosed: a keys file with a bad line keeps no key it
// no longer lists, adds none, and is logged at ERROR with its line.
func TestBrokenKeysFileFailsClosed(t *testing.T) {
	f := newFixture(t)
	carol, dave := newSigner(t), newSigner(t)
	writeFile(t, f.adminFile, authorizedLine(f.admin.PublicKey(), "alice"), authorizedLine(carol.PublicKey(), "carol"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	// alice is taken out, dave put in, and line 2 is broken
	writeFile(t, f.adminFile, authorizedLine(carol.PublicKey(), "carol"), "ssh-ed25519 AAAA-not-a-key\n", authorizedLine(dave.PublicKey(), "dave"))
	err := f.srv.ReloadKeys()
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("reload: %v", err)
	}
	for name, s := range map[string]gossh.Signer{"alice (removed)": f.admin, "dave (added in a broken file)": dave} {
		if c, err := f.dial(s); err == nil {
			c.Close()
			t.Errorf("%s gets in", name)
		}
	}
	if _, _, code := f.command(carol, "version"); code != 0 {
		t.Fatal("carol, listed before and after on a good line, is refused")
	}
	f.nextCall()
	log := f.log.text()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, f.adminFile+" line 2") {
		t.Errorf("the broken line is not logged at ERROR:\n%s", log)
	}
	// fixed: dave gets in
	writeFile(t, f.adminFile, authorizedLine(carol.PublicKey(), "carol"), authorizedLine(dave.PublicKey(), "dave"))
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	if _, _, code := f.command(dave, "version"); code != 0 {
		t.Fatal("dave is refused once the file is fixed")
	}
	f.nextCall()
}
