package console

import (
	"errors"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// commandWithPTY runs cmd in a session that asked for a terminal first, as
// `ssh -t host COMMAND` does.
func (f *fixture) commandWithPTY(signer gossh.Signer, cmd string) (stdout string, code int) {
	f.t.Helper()
	c := f.mustDial(signer)
	sess, err := c.NewSession()
	if err != nil {
		f.t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		f.t.Fatal(err)
	}
	out := &screen{}
	sess.Stdout, sess.Stderr = out, out
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	// The deadline only ends a hung test (the app, which never exits).
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		f.t.Fatalf("%q with a terminal never ended; the session showed:\n%s", cmd, out.text())
	}
	var exit *gossh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	default:
		f.t.Fatalf("run %q with a terminal: %v\n%s", cmd, err, out.text())
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	return out.buf.String(), code
}

// TestCommandWithPTYRunsTheCommand: `ssh -t host runs` runs the command (told
// that it has a terminal), and its exit code reaches the client; only a bare
// shell session with a terminal opens the app.
func TestCommandWithPTYRunsTheCommand(t *testing.T) {
	f := newFixture(t)
	out, code := f.commandWithPTY(f.admin, "runs")
	if code != 0 || !strings.Contains(out, "ran runs as ssh:") {
		t.Fatalf("ssh -t host runs: code %d, output %q (the app instead of the command?)", code, out)
	}
	// the emulated terminal ends lines as a terminal does
	if !strings.Contains(out, "\r\n") {
		t.Errorf("the command's output over a terminal has bare newlines: %q", out)
	}
	c := f.nextCall()
	if strings.Join(c.args, " ") != "runs" || !c.id.Terminal || c.id.Comment != "alice@admin" {
		t.Fatalf("ran %q as %+v, want runs with Terminal set", c.args, c.id)
	}
	if _, code := f.commandWithPTY(f.viewer, "exit 4"); code != 4 {
		t.Fatalf("a command with a terminal exited %d, want 4", code)
	}
	f.nextCall()
	if !strings.Contains(f.log.text(), "kind=\"command: exit 4\"") {
		t.Errorf("the session is not logged as a command:\n%s", f.log.text())
	}

	// a bare shell with a terminal is still the app
	scr, _ := f.app(f.admin)
	scr.waitFor(t, "Integrations")
	f.noCall()
}
