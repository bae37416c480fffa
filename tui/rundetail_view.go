package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

func (s *runDetail) content() string {
	st := s.c.Styles
	r := *s.run
	w := max(s.w, 20)
	var b strings.Builder
	line := func(parts ...string) { b.WriteString(strings.Join(parts, "") + "\n") }

	line(st.Title.Render("Run "+r.ID.String()), "  ", rdStateBadge(st, s.spin.Spinner(), r.State),
		st.Faint.Render("  attempt "+rdAttempt(r)))
	name, trig := r.IntegrationID, r.Trigger
	if s.in != nil {
		name = s.in.Name
	} else {
		name += st.Faint.Render(" (deleted)")
	}
	line(rdField(st, "Integration", name+st.Faint.Render(" · "+trig+" trigger"), w))
	if v := rdVersion(st, r, s.in); v != "" {
		line(rdField(st, "Version", v, w))
	}
	line(rdField(st, "Created", rdTime(r.CreatedAt), w))
	if !r.StartedAt.IsZero() {
		line(rdField(st, "Started", rdTime(r.StartedAt), w))
	}
	if !r.FinishedAt.IsZero() {
		took := ""
		if !r.StartedAt.IsZero() {
			took = st.Faint.Render(" · took " + rdDuration(r.FinishedAt.Sub(r.StartedAt)))
		}
		line(rdField(st, "Finished", rdTime(r.FinishedAt)+took, w))
	}
	if next := rdNextTry(r); next != "" {
		line(rdField(st, "Next try", st.WarnText.Render(next), w))
	}
	if r.DedupeKey != "" {
		line(rdField(st, "Dedupe key", st.Faint.Render(r.DedupeKey), w))
	}
	if r.Error != nil {
		title := "Error"
		switch r.State {
		case storage.RunRetrying:
			title = "Last error (retrying)"
		case storage.RunWaiting:
			title = "Waiting because"
		case storage.RunCancelled:
			title = "Cancelled"
		}
		line()
		line(rdSection(st, title, r.State == storage.RunFailed))
		b.WriteString(rdStepError(st, r.Error, w))
	}
	if at := rdAttempts(st, r, w); at != "" {
		line()
		b.WriteString(at)
	}

	line()
	line(st.Section.Render("Event"))
	if len(r.Event) == 0 {
		line(st.Faint.Render("  (no event)"))
	} else {
		line(rdIndent(widget.JSON(st.Styles, r.Event), 2))
	}

	for i, step := range s.steps() {
		line()
		b.WriteString(s.stepView(i, step, w))
	}
	return strings.TrimRight(b.String(), "\n")
}

// rdStep is a step of the run: the integration's step (if it still exists)
// and its checkpointed result (if it ran).
type rdStep struct {
	id     string
	action string
	result *storage.StepResult
}

// steps lists the integration's steps in order with their results, then
// any result whose step was removed from the integration since.
func (s *runDetail) steps() []rdStep {
	r := s.run
	var out []rdStep
	seen := map[string]bool{}
	if s.in != nil {
		for _, st := range s.in.Steps {
			step := rdStep{id: st.ID, action: st.Action}
			if res, ok := r.Step(st.ID); ok {
				step.result = &res
			}
			seen[st.ID] = true
			out = append(out, step)
		}
	}
	for i := range r.Steps {
		if !seen[r.Steps[i].StepID] {
			out = append(out, rdStep{id: r.Steps[i].StepID, result: &r.Steps[i]})
		}
	}
	return out
}

func (s *runDetail) stepView(i int, step rdStep, w int) string {
	st := s.c.Styles
	var b strings.Builder
	title := fmt.Sprintf("Step %d · %s", i+1, step.id)
	if a, ok := action.Lookup(step.action); ok {
		title += st.Faint.Render(" · " + a.Title())
	}
	res := step.result
	var state string
	switch {
	case res != nil && res.Succeeded:
		state = st.OKText.Render("✓ succeeded")
	case res != nil && res.Error != nil:
		state = st.ErrorText.Render("✗ failed")
	case res != nil:
		state = st.Faint.Render("no result")
	case s.run.State == storage.RunRunning && s.firstPending(step.id):
		state = s.spin.Spinner() + st.Badge.Render(" running")
	case s.run.State.Final():
		state = st.Faint.Render("not run")
	default:
		state = st.Faint.Render("pending")
	}
	if res != nil && !res.StartedAt.IsZero() && !res.FinishedAt.IsZero() {
		state += st.Faint.Render(" · " + rdDuration(res.FinishedAt.Sub(res.StartedAt)))
	}
	b.WriteString(truncate(st.Section.Render(title)+"  "+state, w) + "\n")
	if res == nil {
		return b.String()
	}
	if len(res.Input) > 0 {
		b.WriteString(st.Label.Render("  Input") + st.Faint.Render("  (resolved fields)") + "\n")
		b.WriteString(rdIndent(widget.JSON(st.Styles, res.Input), 4) + "\n")
	}
	if len(res.Output) > 0 {
		b.WriteString(st.Label.Render("  Output") + "\n")
		b.WriteString(rdIndent(widget.JSON(st.Styles, json.RawMessage(res.Output)), 4) + "\n")
	}
	if res.Error != nil {
		b.WriteString(st.ErrorText.Render("  Error") + "\n")
		b.WriteString(rdStepError(st, res.Error, w))
	}
	return b.String()
}

// firstPending reports whether id is the first step without a result: the
// one a running run is on.
func (s *runDetail) firstPending(id string) bool {
	for _, step := range s.steps() {
		if step.result == nil {
			return step.id == id
		}
	}
	return false
}

// rdStepError renders an error with Okta's code, summary, causes and
// request id.
func rdStepError(st *Styles, e *storage.StepError, w int) string {
	var b strings.Builder
	b.WriteString(rdIndent(st.ErrorText.Render(ansi.Wrap(e.Message, max(w-4, 16), " ")), 4) + "\n")
	if e.Code != "" || e.Status != 0 {
		code := e.Code
		if e.Status != 0 {
			code = strings.TrimSpace(code + fmt.Sprintf(" (HTTP %d)", e.Status))
		}
		b.WriteString(rdField(st, "  Code", st.ErrorText.Render(code), w) + "\n")
	}
	if e.Summary != "" && e.Summary != e.Message {
		b.WriteString(rdField(st, "  Summary", e.Summary, w) + "\n")
	}
	for i, c := range e.Causes {
		label := ""
		if i == 0 {
			label = "  Causes"
		}
		b.WriteString(rdField(st, label, "• "+c, w) + "\n")
	}
	if e.RequestID != "" {
		b.WriteString(rdField(st, "  Request id", st.Faint.Render(e.RequestID), w) + "\n")
	}
	return b.String()
}

// rdLabelWidth is the width of the labels of the header's fields.
const rdLabelWidth = 13

// rdField is "Label        value", the value word-wrapped under itself.
func rdField(st *Styles, label, value string, w int) string {
	wrapped := ansi.Wrap(value, max(w-rdLabelWidth, 16), " ")
	return st.Label.Render(pad(label, rdLabelWidth)) + rdIndentRest(wrapped, rdLabelWidth)
}

func rdSection(st *Styles, title string, bad bool) string {
	if bad {
		return st.ErrorText.Bold(true).Render(title)
	}
	return st.Section.Render(title)
}

// rdIndent indents every line of s by n spaces.
func rdIndent(s string, n int) string {
	p := strings.Repeat(" ", n)
	return p + strings.ReplaceAll(s, "\n", "\n"+p)
}

// rdIndentRest indents every line but the first.
func rdIndentRest(s string, n int) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}

func rdStateBadge(st *Styles, spin string, state storage.RunState) string {
	return strings.TrimRight(runStateCell(st, spin, state, len(state)+2), " ")
}

func rdAttempt(r storage.Run) string {
	if r.Attempt == 0 {
		return "0 (not started)"
	}
	return fmt.Sprintf("%d of %d", r.Attempt, engine.MaxAttempts)
}

// rdNextTry says when a pending run is due, and why it waits.
func rdNextTry(r storage.Run) string {
	if r.NextDue.IsZero() {
		return ""
	}
	at := r.NextDue.Local().Format("15:04:05")
	switch r.State {
	case storage.RunWaiting:
		return "waiting for the Okta rate limit until " + at
	case storage.RunRetrying:
		return "retrying " + runWhen(r.NextDue)
	case storage.RunQueued:
		if time.Until(r.NextDue) > time.Second {
			return "queued, due " + runWhen(r.NextDue)
		}
	}
	return ""
}

// rdTime is a clock time (with the date when not today) and how long ago.
func rdTime(t time.Time) string {
	lt := t.Local()
	y, m, d := time.Now().Date()
	ty, tm, td := lt.Date()
	s := lt.Format("15:04:05")
	if ty != y || tm != m || td != d {
		s = lt.Format("Jan 2 2006 15:04:05")
	}
	return s + " (" + ago(t) + ")"
}

// rdDuration rounds a duration for people: 340ms, 1.2s, 3m4s.
func rdDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
