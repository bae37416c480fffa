package tui

import (
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

// A viewer is refused every change from every key of the app: each key
// that would change something says why (the session's reason), and
// nothing changes: no integration, run or account moves and the audit log
// records nothing. (The session refuses the calls themselves too; see
// engine's session tests.)
func TestViewerIsRefusedEveryChange(t *testing.T) {
	c, _ := newTestCommon(t)
	ins := seedIntegrations(t, c)
	seedRuns(t, c, ins[0])
	before := viewerSnapshot(t, c)
	asRole(c, Viewer)
	in, err := c.Backend.Integration(ins[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := c.Backend.Runs(storage.RunQuery{IntegrationID: in.ID, State: storage.RunFailed, Limit: 1})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v", runs, err)
	}
	for _, tc := range []struct {
		screen string
		open   func() Screen
		keys   []string
	}{
		{"home", func() Screen { return newIntegrations(c) }, []string{"n", "space", "ctrl+g", "x"}},
		{"editor", func() Screen { return newEditor(c, in) }, []string{"enter", "T", "+", "ctrl+s", "space", "ctrl+g", "ctrl+v", "y"}},
		{"editor on a step", func() Screen { e := newEditor(c, in); e.cursor = 1; return e }, []string{"enter", "e", "K", "J", "x"}},
		{"runs", func() Screen { return newRuns(c, in.ID, in.Name) }, []string{"ctrl+r"}},
		{"run detail", func() Screen { return newRunDetail(c, runs[0].ID) }, []string{"ctrl+r"}},
		{"accounts", func() Screen { return newAccounts(c) }, []string{"a", "n", "v", "ctrl+f", "x"}},
		{"test", func() Screen { return newTestRun(c, newDraft(in)) }, []string{"ctrl+t", "enter"}},
		{"welcome", func() Screen { return newWelcome(c) }, []string{"enter"}},
	} {
		for _, k := range tc.keys {
			s := tc.open()
			s.SetSize(78, 20)
			s, _ = runCmd(t, s, s.Init())
			_, msgs := press(t, s, k)
			if _, pushed := hasMsg[pushMsg](msgs); pushed {
				t.Errorf("%s, %s: a viewer got a screen to change things in", tc.screen, k)
			}
			note, ok := hasMsg[toastMsg](msgs)
			refused, isErr := hasMsg[errMsg](msgs) // the session's own refusal
			if !(ok && strings.Contains(note.text, "viewer")) && !(isErr && strings.Contains(refused.err.Error(), "viewer")) {
				t.Errorf("%s, %s: no reason given (%v)", tc.screen, k, msgs)
			}
		}
	}
	if after := viewerSnapshot(t, c); after != before {
		t.Errorf("a viewer's keys changed something:\nbefore %s\nafter  %s", before, after)
	}
}

// viewerSnapshot sums up what a change could move.
func viewerSnapshot(t *testing.T, c *Common) string {
	t.Helper()
	st := eng(c).Store()
	list, err := st.Integrations()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, in := range list {
		b.WriteString(in.ID + " " + onOff(in.Enabled) + " " + itoa(len(in.Steps)) + "; ")
	}
	counts, _ := st.RunCounts()
	accounts, _ := st.Accounts()
	audit, _ := st.Audit(0, 100)
	b.WriteString("runs " + itoa(counts[storage.RunQueued]) + "/" + itoa(counts[storage.RunFailed]) +
		" accounts " + itoa(len(accounts)) + " audit " + itoa(len(audit)))
	return b.String()
}
