package tui

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// sampleView is the sample header and its first lines.
func (s *testRun) sampleView() []string {
	st := s.c.Styles
	head := st.Section.Render("Sample")
	if s.d.sample != nil && s.d.sampleSource != "" {
		head += st.Faint.Render(" · " + s.d.sampleSource)
	}
	head += st.Faint.Render("  ctrl+l load · ctrl+e edit")
	out := []string{truncate(head, s.w)}
	if s.sampleErr != nil {
		msg := "✗ could not load a sample: " + sampleErrText(s.sampleErr, "write one with ctrl+e")
		if s.d.sample != nil {
			msg += " (kept the one below)"
		}
		for _, l := range strings.Split(wrap(msg, s.w), "\n") {
			out = append(out, st.ErrorText.Render(l))
		}
	}
	if s.d.sample == nil {
		out = append(out, st.WarnText.Render(truncate("No sample yet: ctrl+l loads one from the trigger, ctrl+e lets you write one", s.w)))
		if spec, ok := trigger.Lookup(s.d.in.Trigger.Type); ok && spec.Push && s.sampleErr == nil {
			out = append(out, st.Faint.Render(truncate("A "+s.d.in.Trigger.Type+" trigger has a sample once it has been called: write its first one with ctrl+e.", s.w)))
		}
		return out
	}
	lines := strings.Split(widget.JSON(st.Styles, s.d.sample), "\n")
	n := s.sampleLines()
	if len(lines) > n {
		more := len(lines) - n + 1
		lines = append(lines[:n-1], st.Faint.Render(fmt.Sprintf("  … %d more lines (ctrl+e shows and edits all of it)", more)))
	}
	for _, l := range lines {
		out = append(out, truncate(l, s.w))
	}
	return out
}

// rule separates the sample from the results; it says where the results
// are scrolled to when they do not fit.
func (s *testRun) rule() string {
	st := s.c.Styles
	line := lipgloss.NewStyle().Foreground(st.Subtle)
	if s.vp.TotalLineCount() <= s.vp.Height() {
		return line.Render(strings.Repeat("─", max(s.w, 1)))
	}
	label := fmt.Sprintf(" %d%% · ↑/↓ pgup/pgdn scroll ", int(s.vp.ScrollPercent()*100))
	return line.Render("──") + st.Faint.Render(label) + line.Render(strings.Repeat("─", max(s.w-2-lipgloss.Width(label), 0)))
}

// statusLine is the confirmation, or what is running.
func (s *testRun) statusLine() string {
	switch {
	case s.busy.Active():
		return truncate(s.busy.View(), s.w)
	}
	return ""
}

// resultsView renders the preview or the test's outcomes for the pane.
func (s *testRun) resultsView() string {
	st := s.c.Styles
	w := max(s.w, 20)
	var b strings.Builder
	line := func(l string) { b.WriteString(truncate(l, w) + "\n") }
	para := func(style lipgloss.Style, text, indent string) {
		for _, l := range strings.Split(wrap(text, w-len(indent)), "\n") {
			b.WriteString(indent + style.Render(strings.TrimRight(l, " ")) + "\n")
		}
	}
	block := func(v any, indent string) {
		for _, l := range strings.Split(widget.JSON(st.Styles, v), "\n") {
			line(indent + l)
		}
	}
	switch s.kind {
	case "":
		if s.d.sample == nil {
			para(st.Faint, "Once there is a sample, ctrl+p previews what each step would send, and ctrl+t runs the steps for real.", "")
		} else {
			para(st.Faint, "ctrl+p previews what each step would send · ctrl+t runs the steps for real (after a confirmation).", "")
		}
		return b.String()
	case "preview":
		line(st.Title.Render("Preview") + st.Faint.Render(" · resolved against the sample · nothing is sent to Okta · ctrl+t runs it for real"))
	case "test":
		ok := 0
		for _, o := range s.outcomes {
			if o.Error == nil {
				ok++
			}
		}
		style := st.OKText
		if s.testErr != nil || ok < len(s.d.in.Steps) {
			style = st.ErrorText
		}
		// The outcome first, where the eye lands; when and against what on
		// a line of its own, so nothing is cut at 80 columns.
		line(st.Title.Render("Test run") + st.Faint.Render(" · ") + style.Render(testSummary(ok, len(s.d.in.Steps), s.testErr != nil)))
		para(st.Faint, "at "+s.testedAt.Format("15:04:05")+", "+s.against(), "")
	}
	if s.testErr != nil {
		b.WriteString("\n")
		var ps engine.Problems
		if errors.As(s.testErr, &ps) { // nothing ran: say what to fix, named for people
			para(st.ErrorText, "✗ Nothing ran; fix these first:", "  ")
			for _, p := range ps {
				para(st.ErrorText, "• "+problemText(s.d.in, p), "    ")
			}
			return b.String()
		}
		para(st.ErrorText, "✗ "+s.testErr.Error(), "  ")
		return b.String()
	}
	ran := map[string]bool{}
	for i, o := range s.outcomes {
		ran[o.StepID] = true
		b.WriteString("\n")
		s.stepBlock(&b, i, o, line, para, block)
	}
	if s.kind == "test" {
		for i, st2 := range s.d.in.Steps {
			if !ran[st2.ID] {
				b.WriteString("\n")
				line(st.Faint.Render(fmt.Sprintf("– %d. %s · not run: an earlier step failed", i+1, st2.ID)))
			}
		}
	}
	return b.String()
}

func (s *testRun) stepBlock(b *strings.Builder, i int, o engine.StepOutcome, line func(string), para func(lipgloss.Style, string, string), block func(any, string)) {
	st := s.c.Styles
	title := o.Action
	if act, ok := action.Lookup(o.Action); ok {
		title = act.Title()
	}
	var step storage.Step
	for _, x := range s.d.in.Steps {
		if x.ID == o.StepID {
			step = x
		}
	}
	acct := ""
	if step.Account != "" {
		acct = " · account " + step.Account
	}
	name := fmt.Sprintf("%d. %s", i+1, o.StepID)
	// In a preview, a field that reads an earlier step's output cannot be
	// resolved yet: that is expected, not a failure.
	switch {
	case s.kind == "preview" && o.Error == nil:
		line(st.Bold.Render(name) + st.Faint.Render(" · "+title+acct))
		for _, f := range sampleKeys(o.Deferred) { // the engine's flag: waits for an earlier step
			para(st.Faint, fmt.Sprintf("%s reads %s: known in a real test run (ctrl+t)", f, strings.Join(o.Deferred[f], ", ")), "   ")
		}
	case o.Error == nil:
		outcome := ""
		if v, ok := o.Output["outcome"]; ok {
			outcome = " · " + fmt.Sprint(v)
		}
		line(st.OKText.Render("✓ "+name) + st.Faint.Render(" · "+title+outcome+" · "+o.Duration.Round(time.Millisecond).String()))
	default:
		dur := ""
		if s.kind == "test" {
			dur = " · " + o.Duration.Round(time.Millisecond).String()
		}
		line(st.ErrorText.Render("✗ "+name) + st.Faint.Render(" · "+title+acct+dur))
	}
	if o.Error != nil {
		s.errorBlock(o.Error, para)
	}
	if s.kind == "preview" {
		for _, w := range stepWarnings(step) {
			para(st.WarnText, "⚠ this step "+w, "   ")
		}
		if o.Input != nil {
			line("   " + st.Label.Render("Fields"))
			block(o.Input, "   ")
		}
		if o.Input != nil || len(o.Deferred) > 0 {
			line("   " + st.Label.Render("Request"))
			calls, body := describeRequest(step, o.Input, o.Deferred)
			for _, c := range calls {
				para(st.Code, c, "   ")
			}
			if body != nil {
				block(body, "   ")
			}
		}
		return
	}
	if o.Error == nil {
		if sum := userSummary(o.Output); sum != "" {
			line("   " + st.Bold.Render(sum))
		}
		if s.collapsed {
			return
		}
		line("   " + st.Label.Render("Output") + st.Faint.Render("  (o hides the outputs)"))
		block(o.Output, "   ")
		return
	}
	if o.Input != nil {
		line("   " + st.Label.Render("Input sent"))
		block(o.Input, "   ")
	}
}

// userSummary is the line a person looks for in a user output: id,
// status and login.
func userSummary(out map[string]any) string {
	var parts []string
	for _, k := range []string{"id", "status"} {
		if v, ok := out[k].(string); ok && v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	if p, ok := out["profile"].(map[string]any); ok {
		if v, ok := p["login"].(string); ok {
			parts = append(parts, "login "+v)
		}
	}
	return strings.Join(parts, " · ")
}

// errorBlock shows Okta's error in place: code, status, summary, causes and
// request id; or an action's own message.
func (s *testRun) errorBlock(e *storage.StepError, para func(lipgloss.Style, string, string)) {
	st := s.c.Styles
	if e.Code == "" && e.Summary == "" {
		para(st.ErrorText, e.Message, "   ")
		return
	}
	head := e.Code
	if e.Status != 0 {
		head += " · HTTP " + strconv.Itoa(e.Status)
	}
	if e.Summary != "" {
		head += " · " + e.Summary
	}
	para(st.ErrorText, strings.TrimPrefix(head, " · "), "   ")
	for _, c := range e.Causes {
		para(st.ErrorText, "• "+c, "     ")
	}
	if e.RequestID != "" {
		para(st.Faint, "request id "+e.RequestID, "   ")
	}
}

// testSummary is a test's outcome in words: "the step succeeded", "all 3
// steps succeeded", "1 of 3 steps succeeded", "nothing ran".
func testSummary(ok, steps int, nothingRan bool) string {
	switch {
	case nothingRan:
		return "nothing ran"
	case steps == 1 && ok == 1:
		return "the step succeeded"
	case steps == 1:
		return "the step failed"
	case ok == steps:
		return fmt.Sprintf("all %d steps succeeded", steps)
	}
	return fmt.Sprintf("%d of %d steps succeeded", ok, steps)
}

// describeRequest says what a step's action would send to Okta for its
// resolved fields (the action knows: see action.Action.Describe). A field
// that waits for an earlier step's output (deferred) is mapped all the
// same: it stands in the calls as what it reads, "{steps.update.id}", so
// the preview shows the call the run will make (never "nothing to find
// the user by" for a user found through an earlier step).
func describeRequest(st storage.Step, input map[string]any, deferred map[string][]string) ([]string, any) {
	act, ok := action.Lookup(st.Action)
	if !ok {
		return []string{"unknown action " + st.Action}, nil
	}
	fields := maps.Clone(input)
	if fields == nil {
		fields = map[string]any{}
	}
	var stands []string
	for _, name := range sampleKeys(deferred) {
		stand := "{" + name + "}"
		if paths := deferred[name]; len(paths) == 1 {
			stand = "{" + paths[0] + "}"
		}
		fields[name] = stand
		stands = append(stands, stand)
	}
	req := act.Describe(action.Input{Fields: fields, Options: st.Options})
	calls := slices.Clone(req.Calls)
	for i, c := range calls { // a stand-in reads as itself, not %7Bsteps.update.id%7D
		for _, stand := range stands {
			c = strings.ReplaceAll(c, url.PathEscape(stand), stand)
		}
		calls[i] = c
	}
	return calls, req.Body
}

// against says what a test ran against: the sandbox is not "the real org".
func (s *testRun) against() string {
	sandbox, real := false, false
	for _, a := range s.accounts {
		if a.Sandbox || a.Kind == storage.AccountSandbox {
			sandbox = true
		} else {
			real = true
		}
	}
	switch {
	case sandbox && !real:
		return "against the sandbox org (simulated)"
	case sandbox:
		return "against the sandbox and real accounts"
	}
	return "against the real org"
}
