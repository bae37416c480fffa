package main

import (
	"strings"
	"testing"
)

// TestRemotePaths: over SSH no command line can make the server open a
// path of the client's choosing. --db and the other server settings are
// refused whatever their value; a file argument or flag must be "-".
func TestRemotePaths(t *testing.T) {
	for _, c := range []struct {
		args    string
		refused string // "" when allowed
	}{
		{"runs --db /etc/passwd", "--db is refused over SSH"},
		{"runs --db=/tmp/x.db", "--db is refused over SSH"},
		{"runs --db -", "--db is refused over SSH"},
		{"integration list --feeds-dir /", "--feeds-dir is refused over SSH"},
		{"integration list --allow-private-addresses", "--allow-private-addresses is refused over SSH"},
		{"integration import x.json", "pipe the document"},
		{"integration import /etc/shadow", "never opens a file you name"},
		{"integration import -", ""},
		{"integration run int_x --event e.json", "pipe the event"},
		{"integration run int_x --event=/etc/passwd", "pipe the event"},
		{"integration run int_x --event -", ""},
		{"integration test int_x --event /etc/passwd", "pipe the event"},
		{"integration test int_x --event -", ""},
		{"backup /tmp/out.db", "standard output"},
		{"backup -", ""},
		{"backup", ""},
		{"runs --json", ""},
	} {
		root := newRootCmdFor(&globals{shared: &session{}})
		cmd, rest, err := root.Find(strings.Fields(c.args))
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		err = checkRemotePaths(cmd, cmd.Flags().Args())
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%q refused: %v", c.args, err)
		case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("%q: %v, want an error saying %q", c.args, err, c.refused)
		}
	}

	// the backstop: a command that reads a file through readInput refuses a
	// path over SSH even when its flag is not marked
	g := &globals{shared: &session{}}
	root := newRootCmdFor(g)
	if _, err := g.readInput(root, "/etc/passwd", "document"); err == nil || !strings.Contains(err.Error(), "never opens a file") {
		t.Fatalf("readInput over SSH: %v", err)
	}
}
