package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// runsTestIntegration saves a manual-trigger integration that adds a user
// on the "sandbox" account, switched ON.
func runsTestIntegration(t *testing.T, c *Common, name string) storage.Integration {
	t.Helper()
	in, err := eng(c).SaveIntegration(c.Ctx, storage.Integration{
		Name:    name,
		Trigger: storage.Trigger{Type: "manual"},
		Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "sandbox", Fields: map[string]string{
			"firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}",
			"email": "{{ trigger.email }}", "login": "{{ trigger.email }}",
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng(c).SetEnabled(c.Ctx, in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return in
}

// runsSeed queues n runs of an integration, in batches.
func runsSeed(t *testing.T, c *Common, integrationID string, n int) []storage.RunID {
	t.Helper()
	var ids []storage.RunID
	for done := 0; done < n; {
		batch := min(100, n-done)
		events := make([]storage.NewEvent, batch)
		for i := range events {
			raw, _ := json.Marshal(map[string]any{"email": fmt.Sprintf("user%d@example.com", done+i), "first_name": "U", "last_name": itoa(done + i)})
			events[i] = storage.NewEvent{Payload: raw}
		}
		res, err := eng(c).Store().EnqueueEvents(integrationID, events, storage.EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.RunID)
		}
		done += batch
	}
	return ids
}

// runsFail moves a queued run to failed with an Okta error.
func runsFail(t *testing.T, c *Common, id storage.RunID) storage.Run {
	t.Helper()
	st := eng(c).Store()
	if _, err := st.StartRun(id); err != nil {
		t.Fatal(err)
	}
	r, err := st.FailRun(id, &storage.StepError{Message: "step create: Api validation failed: login", Status: 400, Code: "E0000001",
		Summary: "Api validation failed: login", Causes: []string{"login: An object with this field already exists in the current organization"}, RequestID: "req-123"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func runsOpen(t *testing.T, c *Common, integrationID, name string) *runs {
	t.Helper()
	s := newRuns(c, integrationID, name)
	s, _ = runCmd(t, s, s.Init())
	return s.(*runs)
}

func TestRunsPagesLazily(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	ids := runsSeed(t, c, in.ID, 600)

	for _, tc := range []struct {
		name, integrationID string
		title               string
		firstPos, lastPos   string // the position shown at the top, then at the very end
	}{
		{"one integration", in.ID, "Runs · Onboard", "1 of 200+", "600 of 600"},
		{"all runs", "", "Runs", "1 of 600", "600 of 600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := runsOpen(t, c, tc.integrationID, "Onboard")
			if s.Title() != tc.title {
				t.Errorf("title %q, want %q", s.Title(), tc.title)
			}
			if len(s.rows) != runsPageSize {
				t.Fatalf("first load has %d rows, want one page of %d", len(s.rows), runsPageSize)
			}
			if s.rows[0].ID != ids[len(ids)-1] {
				t.Errorf("first row is run %d, want the newest %d", s.rows[0].ID, ids[len(ids)-1])
			}
			if v := s.View(); !strings.Contains(v, tc.firstPos) {
				t.Errorf("view lacks %q:\n%s", tc.firstPos, v)
			}
			// Scrolling down a little loads nothing more.
			var sc Screen = s
			for range 10 {
				sc, _ = press(t, sc, "down")
			}
			if len(s.rows) != runsPageSize {
				t.Errorf("moving 10 rows loaded %d rows", len(s.rows))
			}
			// Going to the end of what is loaded fetches the next page, page by page.
			for range 5 {
				sc, _ = press(t, sc, "end")
			}
			if len(s.rows) != 600 || !s.exhausted {
				t.Fatalf("after paging to the end: %d rows (exhausted %v), want 600", len(s.rows), s.exhausted)
			}
			if s.rows[599].ID != ids[0] {
				t.Errorf("last row is run %d, want the oldest %d", s.rows[599].ID, ids[0])
			}
			for i := 1; i < len(s.rows); i++ {
				if s.rows[i].ID >= s.rows[i-1].ID {
					t.Fatalf("rows not newest first at %d: %d then %d", i, s.rows[i-1].ID, s.rows[i].ID)
				}
			}
			sc, _ = press(t, sc, "end")
			if v := sc.View(); !strings.Contains(v, tc.lastPos) {
				t.Errorf("view lacks %q:\n%s", tc.lastPos, v)
			}
			sc, _ = press(t, sc, "home")
			if from, _ := s.list.Window(); s.list.Cursor() != 0 || from != 0 {
				t.Errorf("home: cursor %d", s.list.Cursor())
			}
			sc, _ = press(t, sc, "pgdown")
			if s.list.Cursor() != s.tableRows() {
				t.Errorf("pgdown: cursor %d, want %d", s.list.Cursor(), s.tableRows())
			}
		})
	}
}

func TestRunsFilterByState(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	ids := runsSeed(t, c, in.ID, 30)
	for _, id := range ids[:4] {
		runsFail(t, c, id)
	}
	var s Screen = runsOpen(t, c, in.ID, "Onboard")
	want := []struct {
		filter storage.RunState
		rows   int
	}{
		{storage.RunQueued, 26}, {storage.RunRunning, 0}, {storage.RunRetrying, 0}, {storage.RunWaiting, 0},
		{storage.RunSucceeded, 0}, {storage.RunFailed, 4}, {storage.RunCancelled, 0}, {"", 30},
	}
	for _, w := range want {
		s, _ = press(t, s, "f")
		r := s.(*runs)
		if r.filter != w.filter || len(r.rows) != w.rows {
			t.Errorf("filter %q: %d rows, want filter %q with %d", r.filter, len(r.rows), w.filter, w.rows)
		}
		for _, row := range r.rows {
			if w.filter != "" && row.State != w.filter {
				t.Errorf("filter %q shows a %s run", w.filter, row.State)
			}
		}
		v := s.View()
		switch {
		case w.filter == storage.RunFailed:
			if !strings.Contains(v, "E0000001") || !strings.Contains(v, "✗ failed") {
				t.Errorf("failed runs lack their error:\n%s", v)
			}
		case w.rows == 0:
			if !strings.Contains(v, "No "+string(w.filter)+" runs.") {
				t.Errorf("empty filter %q view:\n%s", w.filter, v)
			}
		}
	}
}

func TestRunsRetry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		role    Role
		fail    bool
		want    storage.RunState
		toast   string
		audited bool
	}{
		{"failed run is queued again", Admin, true, storage.RunQueued, "queued again", true},
		{"viewer is refused", Viewer, true, storage.RunFailed, "read-only", false},
		{"queued run cannot be retried", Admin, false, storage.RunQueued, "only a failed or cancelled run", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCommon(t)
			in := runsTestIntegration(t, c, "Onboard")
			id := runsSeed(t, c, in.ID, 1)[0]
			if tc.fail {
				runsFail(t, c, id)
			}
			asRole(c, tc.role)
			s, msgs := press(t, runsOpen(t, c, in.ID, "Onboard"), "ctrl+r")
			if m, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(m.text, tc.toast) {
				t.Errorf("toast %q, want one with %q (msgs %v)", m.text, tc.toast, msgs)
			}
			r, err := eng(c).Store().Run(id)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != tc.want {
				t.Errorf("run is %s, want %s", r.State, tc.want)
			}
			if got := s.(*runs).rows[0].State; got != tc.want {
				t.Errorf("row shows %s, want %s", got, tc.want)
			}
			audit, _ := eng(c).Store().Audit(0, 10)
			found := false
			for _, a := range audit {
				found = found || (a.Action == "run.retry" && a.Target == id.String() && a.Who == "local:test")
			}
			if found != tc.audited {
				t.Errorf("audited %v, want %v (%v)", found, tc.audited, audit)
			}
		})
	}
}

func TestRunsLive(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	runsSeed(t, c, in.ID, 10)
	s := runsOpen(t, c, in.ID, "Onboard")
	event := func(r storage.Run) {
		t.Helper()
		var sc Screen
		sc, _ = runCmd(t, s, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.RunChanged, Run: &r}} })
		s = sc.(*runs)
	}

	// At the top, a new run is prepended and the cursor follows it.
	id := runsSeed(t, c, in.ID, 1)[0]
	r, _ := eng(c).Store().Run(id)
	event(r)
	if len(s.rows) != 11 || s.rows[0].ID != id || s.list.Cursor() != 0 {
		t.Fatalf("at the top: %d rows, first %d, cursor %d", len(s.rows), s.rows[0].ID, s.list.Cursor())
	}

	// Elsewhere, a new run is prepended but the cursor stays on its run.
	var sc Screen = s
	sc, _ = press(t, sc, "down")
	sc, _ = press(t, sc, "down")
	on := s.rows[s.list.Cursor()].ID
	id = runsSeed(t, c, in.ID, 1)[0]
	r, _ = eng(c).Store().Run(id)
	event(r)
	if s.rows[0].ID != id || s.rows[s.list.Cursor()].ID != on {
		t.Errorf("below the top: first %d (want %d), cursor on %d (want %d)", s.rows[0].ID, id, s.rows[s.list.Cursor()].ID, on)
	}
	if v := s.View(); !strings.Contains(v, "1 new") {
		t.Errorf("view does not mention the new run:\n%s", v)
	}

	// A changed run is updated in place.
	failed := runsFail(t, c, on)
	event(failed)
	if s.rows[s.list.Cursor()].ID != on || s.rows[s.list.Cursor()].State != storage.RunFailed {
		t.Errorf("in place: cursor on %d in state %s", s.rows[s.list.Cursor()].ID, s.rows[s.list.Cursor()].State)
	}
	if v := s.View(); !strings.Contains(v, "✗ failed") {
		t.Errorf("view lacks the failed run:\n%s", v)
	}

	// Another integration's run is not shown here.
	other := runsTestIntegration(t, c, "Other")
	oid := runsSeed(t, c, other.ID, 1)[0]
	r, _ = eng(c).Store().Run(oid)
	n := len(s.rows)
	event(r)
	if len(s.rows) != n {
		t.Errorf("another integration's run was added")
	}

	// Lagged reloads the first page.
	sc, _ = runCmd(t, s, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.Lagged}} })
	if got := sc.(*runs); len(got.rows) != 12 {
		t.Errorf("after Lagged: %d rows, want 12", len(got.rows))
	}
}

func TestRunsEmptyAndNavigation(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	s := runsOpen(t, c, in.ID, "Onboard")
	if v := s.View(); !strings.Contains(v, "No runs yet.") || !strings.Contains(v, "Switch the integration ON and fire its trigger") {
		t.Errorf("empty view:\n%s", v)
	}
	if _, msgs := press(t, s, "esc"); !runsPopped(msgs) {
		t.Errorf("esc does not go back: %v", msgs)
	}
	id := runsSeed(t, c, in.ID, 1)[0]
	sc, _ := runCmd(t, s, func() tea.Msg { return dataChangedMsg{} })
	_, msgs := press(t, sc, "enter")
	p, ok := hasMsg[pushMsg](msgs)
	if !ok {
		t.Fatalf("enter opens nothing: %v", msgs)
	}
	if d, ok := p.screen.(*runDetail); !ok || d.id != id {
		t.Errorf("enter opened %T, want the detail of run %d", p.screen, id)
	}
}

// TestRunsLayout checks that nothing overflows at the small and large sizes.
func TestRunsLayout(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "An integration with a rather long name")
	ids := runsSeed(t, c, in.ID, 40)
	runsFail(t, c, ids[3])
	for _, size := range [][2]int{{78, 20}, {198, 56}} {
		for _, id := range []string{"", in.ID} {
			c.Width, c.Height = size[0], size[1]
			s := runsOpen(t, c, id, in.Name)
			v := s.View()
			runsFits(t, v, size[0], size[1])
		}
	}
}

// runsFits fails when a view is wider or taller than its body.
func runsFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%d lines, body has %d:\n%s", len(lines), h, v)
	}
	for _, l := range lines {
		if got := lipgloss.Width(l); got > w {
			t.Errorf("line of width %d > %d: %q", got, w, l)
		}
	}
}

func runsPopped(msgs []tea.Msg) bool {
	_, ok := hasMsg[popMsg](msgs)
	return ok
}
