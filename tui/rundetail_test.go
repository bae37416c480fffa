package tui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

func rdOpen(t *testing.T, c *Common, id storage.RunID) *runDetail {
	t.Helper()
	s := newRunDetail(c, id)
	s, _ = runCmd(t, s, s.Init())
	return s.(*runDetail)
}

// plain is a view without its colours.
func (s *runDetail) plainContent() string { return ansi.Strip(s.vp.GetContent()) }

func TestRunDetailShowsEverything(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	st := eng(c).Store()
	ok, bad, waiting := runsSeed(t, c, in.ID, 3)[0], runsSeed(t, c, in.ID, 1)[0], runsSeed(t, c, in.ID, 1)[0]

	out, _ := json.Marshal(map[string]any{"outcome": "created", "id": "00u1", "profile": map[string]any{"login": "ann@example.com"}})
	st.StartRun(ok)
	now := time.Now()
	st.SaveStep(ok, storage.StepResult{StepID: "create", Succeeded: true, Input: map[string]any{"login": "ann@example.com"},
		Output: out, StartedAt: now.Add(-340 * time.Millisecond), FinishedAt: now})
	st.SucceedRun(ok)

	oktaErr := &storage.StepError{Message: "step create: Api validation failed: login", Status: 400, Code: "E0000001",
		Summary: "Api validation failed: login", Causes: []string{"login: An object with this field already exists"}, RequestID: "req-9f2"}
	st.StartRun(bad)
	st.SaveStep(bad, storage.StepResult{StepID: "create", Input: map[string]any{"login": "bob@example.com"}, Error: oktaErr, StartedAt: now, FinishedAt: now})
	st.FailRun(bad, oktaErr)

	until := time.Now().Add(2 * time.Minute)
	st.StartRun(waiting)
	st.WaitRun(waiting, until, &storage.StepError{Message: "Okta rate limit reached", Status: 429, Code: "E0000047"})

	for _, tc := range []struct {
		name string
		id   storage.RunID
		want []string
	}{
		{"succeeded", ok, []string{"Run " + ok.String(), "✓ succeeded", "attempt 1 of 8", "Onboard", "manual trigger",
			"Event", `"email": "user0@example.com"`, "Step 1 · create", "Add a user", "340ms", "Input", `"login": "ann@example.com"`,
			"Output", `"outcome": "created"`, "Finished"}},
		{"failed", bad, []string{"✗ failed", "Error", "E0000001 (HTTP 400)", "Api validation failed: login",
			"• login: An object with this field already exists", "req-9f2", `"login": "bob@example.com"`}},
		{"waiting", waiting, []string{"waiting", "waiting for the Okta rate limit until " + until.Local().Format("15:04:05"), "E0000047", "attempt 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := rdOpen(t, c, tc.id)
			got := s.plainContent()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("detail lacks %q:\n%s", w, got)
				}
			}
			runsFits(t, s.View(), c.Width, c.Height)
		})
	}
}

func TestRunDetailKeys(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	id := runsSeed(t, c, in.ID, 1)[0]
	runsFail(t, c, id)
	c.Height = 8 // a short body, so that the page scrolls
	s := rdOpen(t, c, id)

	var sc Screen = s
	for _, step := range []struct {
		key  string
		want func(y, max int) bool
	}{
		{"down", func(y, _ int) bool { return y == 1 }},
		{"pgdown", func(y, _ int) bool { return y > 1 }},
		{"end", func(y, max int) bool { return y == max }},
		{"up", func(y, max int) bool { return y == max-1 }},
		{"home", func(y, _ int) bool { return y == 0 }},
	} {
		sc, _ = press(t, sc, step.key)
		maxY := s.vp.TotalLineCount() - s.vp.Height()
		if y := s.vp.YOffset(); !step.want(y, maxY) {
			t.Errorf("after %s: offset %d (max %d)", step.key, y, maxY)
		}
	}

	// Live: a change of this run shows at once; another run's is ignored.
	other := runsSeed(t, c, in.ID, 1)[0]
	r, _ := eng(c).Store().Run(other)
	sc, _ = runCmd(t, sc, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.RunChanged, Run: &r}} })
	if s.run.ID != id {
		t.Fatalf("took another run's event: now showing %d", s.run.ID)
	}

	// ctrl+r retries, and the page follows.
	sc, msgs := press(t, sc, "ctrl+r")
	if m, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(m.text, "queued again") {
		t.Errorf("retry toast: %v", msgs)
	}
	if s.run.State != storage.RunQueued || !strings.Contains(s.plainContent(), "· queued") {
		t.Errorf("after retry the page shows %s:\n%s", s.run.State, s.plainContent())
	}
	r, _ = eng(c).Store().Run(id)
	if r.State != storage.RunQueued {
		t.Errorf("run is %s after retry", r.State)
	}
	started, _ := eng(c).Store().StartRun(id)
	sc, _ = runCmd(t, sc, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.RunChanged, Run: &started}} })
	if !strings.Contains(s.plainContent(), "running") {
		t.Errorf("live change not shown:\n%s", s.plainContent())
	}

	if _, msgs := press(t, sc, "esc"); !runsPopped(msgs) {
		t.Errorf("esc does not go back: %v", msgs)
	}
}

func TestRunDetailMissingRun(t *testing.T) {
	c, _ := newTestCommon(t)
	s := rdOpen(t, c, 9999)
	if v := s.View(); !strings.Contains(v, "Run 9999 does not exist") {
		t.Errorf("view:\n%s", v)
	}
}
