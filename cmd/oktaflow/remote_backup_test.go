package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/console"
)

// Over SSH a backup streams only when asked for with "-" and never to a
// terminal: `ssh host backup` with nothing more would pour a binary
// database onto the screen of whoever forgot the redirect (finding 14).
func TestRemoteBackupNeedsDashAndNoTerminal(t *testing.T) {
	st, err := storage.Open(filepath.Join(t.TempDir(), "of.db"), storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := engine.New(engine.Options{Store: st, NoTriggers: true})
	if err != nil {
		t.Fatal(err)
	}
	run := remoteRunner(&session{store: st, engine: e})
	admin := console.Identity{Role: engine.RoleAdmin, Fingerprint: "SHA256:admin"}
	for _, c := range []struct {
		args     []string
		terminal bool
		code     int
		say      string
	}{
		{[]string{"backup"}, false, 2, "backup - > FILE"},
		{[]string{"backup", "-"}, true, 1, "ssh -T"},
		{[]string{"backup"}, true, 2, "backup - > FILE"},
		{[]string{"backup", "-"}, false, 0, "Wrote a copy of the database"},
	} {
		id := admin
		id.Terminal = c.terminal
		var out, errOut bytes.Buffer
		code := run(context.Background(), id, c.args, strings.NewReader(""), &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.say) {
			t.Errorf("%v (terminal %v): exit %d %q, want %d saying %q", c.args, c.terminal, code, errOut.String(), c.code, c.say)
		}
		if wrote := out.Len() > 0; wrote != (c.code == 0) {
			t.Errorf("%v (terminal %v): %d bytes on standard output", c.args, c.terminal, out.Len())
		}
	}
}
