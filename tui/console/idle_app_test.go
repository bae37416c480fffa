package console

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The real app over SSH parks once idle (no frame ticker left running in
// serve) and answers the next key at once, then parks again.
func TestAppSessionParksWhenIdle(t *testing.T) {
	f := newFixture(t)
	c := f.mustDial(f.admin)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	scr := &screen{}
	sess.Stdout, sess.Stderr = scr, scr
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 110, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "Press n to create your first integration")
	if !rendererTicking() {
		t.Fatal("no frame ticker right after the first frame")
	}
	eventually(t, "the idle app parked", func() bool { return !rendererTicking() })

	before := len(scr.text())
	in.Write([]byte("a"))
	start := time.Now()
	eventually(t, "the accounts screen", func() bool { return strings.Contains(scr.text()[before:], "ccounts") })
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("the first key after parking took %v to draw", d)
	}
	eventually(t, "parked again", func() bool { return !rendererTicking() })
}
