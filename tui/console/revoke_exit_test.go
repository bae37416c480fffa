package console

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// exitOf waits for a session to end and returns its exit status (-1: the
// server sent none); the deadline only ends a hung test.
func exitOf(t *testing.T, sess *gossh.Session, what string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s is still open", what)
	}
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	return -1
}

// TestRevokedSessionExitsNonZero: a session closed because its key was
// taken out of the keys file ends with exit status 1 and says on its error
// stream that access was revoked and why: the app, and a running command
// (which, cut off, would otherwise look like a success or a dropped line).
func TestRevokedSessionExitsNonZero(t *testing.T) {
	f := newFixture(t)
	started := make(chan struct{}, 1)
	f.srv.o.Run = func(ctx context.Context, _ Identity, _ []string, _ io.Reader, _, _ io.Writer) int {
		started <- struct{}{}
		<-ctx.Done() // a long command (a follow), cut off with its session
		return 0
	}
	appScr, appSess := f.app(f.admin)
	appScr.waitFor(t, "Integrations")

	c := f.mustDial(f.admin)
	cmdSess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	cmdErr := &screen{}
	cmdSess.Stderr = cmdErr
	if err := cmdSess.Start("runs"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the command never started")
	}

	writeFile(t, f.adminFile, "# nobody\n")
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	const why = "access revoked: this SSH key was removed from the keys files, or has expired"
	if code := exitOf(t, appSess, "the app of a removed key"); code != 1 {
		t.Errorf("the app of a removed key exited %d, want 1", code)
	}
	appScr.waitFor(t, why)
	if code := exitOf(t, cmdSess, "a command of a removed key"); code != 1 {
		t.Errorf("a running command of a removed key exited %d, want 1", code)
	}
	if !strings.Contains(cmdErr.text(), why) {
		t.Errorf("the command's stderr does not say access was revoked: %q", cmdErr.text())
	}
}
