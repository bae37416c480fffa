package tui

import (
	"github.com/oktaflow/oktaflow/tui/widget"

	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// testRun is the Test screen of a draft: the sample event (the trigger's
// latest, or written by hand), a Preview of what each step would send, and
// a real test run against the org after a confirmation. Results show in a
// scrollable pane; successful outputs feed later steps' mapping suggestions.
// Tests never move trigger cursors (the engine's Sample and TestIntegration
// promise it) and create no run.
type testRun struct {
	c *Common
	d *draft

	vp      viewport.Model
	area    textarea.Model
	editing bool
	editErr string
	// editStart is the text the editor opened with; discardAsked is set by
	// a first esc on changed text, so that a second one confirms.
	editStart    string
	collapsed    bool // test outputs folded to one line per step (o)
	discardAsked bool

	confirm *widget.Confirm
	busy    widget.Busy // what is running

	sampleErr error
	kind      string // "preview" or "test": what the results pane shows
	outcomes  []engine.StepOutcome
	testErr   error
	testedAt  time.Time
	accounts  map[string]storage.Account // by step account name, for the result headers
	w, h      int
}

type (
	sampleLoadedMsg struct {
		sample map[string]any
		err    error
		quiet  bool // loaded on opening: no sample is not an error
	}
	previewMsg struct {
		outcomes []engine.StepOutcome
		accounts map[string]storage.Account
	}
	testConfirmMsg struct {
		question string
		accounts map[string]storage.Account
	}
	// testStartMsg: the user said yes; run starts the test.
	testStartMsg struct{ run tea.Cmd }
	testDoneMsg  struct {
		outcomes []engine.StepOutcome
		err      error
		at       time.Time
	}
)

func newTestRun(c *Common, d *draft) Screen {
	s := &testRun{c: c, d: d}
	s.vp = viewport.New(viewport.WithWidth(78), viewport.WithHeight(10))
	s.vp.KeyMap = viewport.KeyMap{} // keys come from c.Keys
	s.area = textarea.New()
	s.area.MaxHeight = 0
	s.area.CharLimit = 0
	s.area.Placeholder = `{"email": "ada@acme.com", "first_name": "Ada", "last_name": "Lovelace"}`
	s.busy = widget.NewBusy(c.Styles.Styles)
	s.applyStyles()
	return s
}

func (s *testRun) applyStyles() {
	ts := textarea.DefaultStyles(s.c.Styles.IsDark)
	ts.Cursor.Blink = false // a steady cursor: no blink ticks to re-render for
	s.area.SetStyles(ts)
}

func (s *testRun) Title() string   { return "Test" }
func (s *testRun) Capturing() bool { return s.editing || s.confirm != nil }

// Init previews the sample at once when there is one.
// Init previews the sample; without one, a saved webhook or manual
// integration starts from the event of its latest run (a poll trigger is
// only asked on ctrl+l: that calls an outside API).
func (s *testRun) Init() tea.Cmd {
	if s.d.sample != nil {
		return s.preview()
	}
	if spec, ok := trigger.Lookup(s.d.in.Trigger.Type); ok && spec.Push && s.d.in.ID != "" {
		e, ctx, in := s.c.Engine, s.c.Ctx, cloneIntegration(s.d.in)
		return func() tea.Msg {
			ev, err := e.Sample(ctx, in)
			return sampleLoadedMsg{sample: ev, err: err, quiet: true}
		}
	}
	return nil
}

func (s *testRun) SetSize(w, h int) {
	s.w, s.h = w, h
	s.area.SetWidth(max(w, 20))
	s.area.SetHeight(max(h-4, 3))
	s.layout()
}

// sampleLines is how many lines of the sample JSON show above the results.
func (s *testRun) sampleLines() int { return min(max(s.h/4, 3), 14) }

// layout sizes the results pane to what the sample leaves.
func (s *testRun) layout() {
	top := len(s.sampleView()) + 1 // + rule
	bottom := 0
	if sl := s.statusLine(); sl != "" {
		bottom = lipgloss.Height(sl)
	}
	s.vp.SetWidth(max(s.w, 10))
	s.vp.SetHeight(max(s.h-top-bottom, 3))
	s.vp.SetContent(s.resultsView())
}

func (s *testRun) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := s.busy.Update(msg); ok {
		return s, cmd
	}
	if ok, cmd := answer(&s.confirm, msg); ok {
		s.layout()
		return s, cmd
	}
	switch msg := msg.(type) {
	case sampleLoadedMsg:
		if msg.quiet && (msg.err != nil || s.d.sample != nil) {
			return s, nil // the quiet load on opening: leave a running ctrl+l alone
		}
		s.busy.Stop()
		s.sampleErr = msg.err
		if msg.err == nil {
			s.d.sample = msg.sample
			s.d.sampleSource = "the trigger's latest event · loaded " + time.Now().Format("15:04:05")
			s.layout()
			return s, s.preview()
		}
		s.layout()
		return s, nil
	case previewMsg:
		s.kind, s.outcomes, s.testErr, s.accounts = "preview", msg.outcomes, nil, msg.accounts
		s.vp.GotoTop()
		s.layout()
		return s, nil
	case testConfirmMsg:
		s.accounts = msg.accounts
		e, ctx, who := s.c.Engine, s.c.Ctx, s.c.Who
		in, sample := cloneIntegration(s.d.in), s.d.sample
		run := func() tea.Msg {
			outs, err := e.TestIntegration(ctx, in, sample)
			if err == nil {
				target := in.ID
				if target == "" {
					target = in.Name
				}
				e.Store().AddAudit(storage.AuditEntry{Who: who, Action: "integration.test", Target: target, Detail: testSummary(outs)})
			}
			return testDoneMsg{outcomes: outs, err: err, at: time.Now()}
		}
		s.confirm = ask(s.c, msg.question, func() tea.Msg { return testStartMsg{run} }, nil)
		s.layout()
		return s, nil
	case testDoneMsg:
		s.busy.Stop()
		s.kind, s.outcomes, s.testErr, s.testedAt = "test", msg.outcomes, msg.err, msg.at
		for _, o := range msg.outcomes {
			if o.Error == nil && o.Output != nil {
				s.d.outputs[o.StepID] = o.Output
			}
		}
		s.vp.GotoTop()
		s.layout()
		return s, nil
	case testStartMsg:
		return s, tea.Batch(s.busy.Start(s.runningText()), msg.run)
	case tea.BackgroundColorMsg:
		s.applyStyles()
		s.layout()
		return s, nil
	case tea.KeyPressMsg:
		if s.editing {
			return s, s.onEditKey(msg)
		}
		return s, s.onKey(msg)
	}
	if s.editing {
		var cmd tea.Cmd
		s.area, cmd = s.area.Update(msg)
		return s, cmd
	}
	return s, nil
}

func (s *testRun) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case scrollViewport(&s.vp, msg, k):
	case s.busy.Active():
		return toast("Wait: " + strings.TrimSuffix(s.busy.Text(), "…"))
	case key.Matches(msg, k.Fold) && s.kind == "test":
		s.collapsed = !s.collapsed
		s.layout()
		return nil
	case key.Matches(msg, k.Sample):
		return s.loadSample()
	case key.Matches(msg, k.EditJSON):
		return s.startEdit()
	case key.Matches(msg, k.Preview):
		if s.d.sample == nil {
			return toast("No sample yet: ctrl+l loads one, ctrl+e lets you write one")
		}
		return s.preview()
	case key.Matches(msg, k.Test), key.Matches(msg, k.Enter):
		return s.askTest()
	}
	return nil
}

func (s *testRun) loadSample() tea.Cmd {
	start := s.busy.Start("Loading the trigger's latest event…")
	s.sampleErr = nil
	s.layout()
	e, ctx, in := s.c.Engine, s.c.Ctx, cloneIntegration(s.d.in)
	return tea.Batch(start, func() tea.Msg {
		ev, err := e.Sample(ctx, in)
		return sampleLoadedMsg{sample: ev, err: err}
	})
}

func (s *testRun) preview() tea.Cmd {
	e, in, sample := s.c.Engine, cloneIntegration(s.d.in), s.d.sample
	return func() tea.Msg {
		return previewMsg{outcomes: e.Preview(in, sample), accounts: stepAccounts(e.Store(), in)}
	}
}

// askTest builds the confirmation: which org(s) the test acts on.
func (s *testRun) askTest() tea.Cmd {
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why + "; Preview (ctrl+p) works")
	}
	if s.d.sample == nil {
		return toast("No sample yet: ctrl+l loads one from the trigger, ctrl+e lets you write one")
	}
	if len(s.d.in.Steps) == 0 {
		return toast("Add an action step first")
	}
	store, in := s.c.Engine.Store(), cloneIntegration(s.d.in)
	return func() tea.Msg {
		accounts := stepAccounts(store, in)
		return testConfirmMsg{question: testQuestion(in, accounts), accounts: accounts}
	}
}

// stepAccounts reads the accounts the steps use, by the name they give.
func stepAccounts(store *storage.Store, in storage.Integration) map[string]storage.Account {
	out := map[string]storage.Account{}
	for _, st := range in.Steps {
		if _, done := out[st.Account]; done || st.Account == "" {
			continue
		}
		if a, err := store.Account(st.Account); err == nil {
			out[st.Account] = a
		}
	}
	return out
}

// testQuestion says what a test will touch: "Run the 1 step for real
// against http://127.0.0.1:53122 (sandbox)? It may create or change users."
func testQuestion(in storage.Integration, accounts map[string]storage.Account) string {
	var orgs []string
	seen := map[string]bool{}
	readOnly := true
	for _, st := range in.Steps {
		if st.Action != "okta.get_user" {
			readOnly = false
		}
		if seen[st.Account] {
			continue
		}
		seen[st.Account] = true
		if a, ok := accounts[st.Account]; ok {
			orgs = append(orgs, a.OrgURL+" ("+a.Name+")")
		} else if st.Account != "" {
			orgs = append(orgs, "the account "+strconv.Quote(st.Account)+" (not found)")
		}
	}
	steps := "the 1 step"
	if n := len(in.Steps); n != 1 {
		steps = fmt.Sprintf("the %d steps", n)
	}
	effect := "It may create or change users."
	if readOnly {
		effect = "It only reads users."
	}
	target := "the org"
	if len(orgs) > 0 {
		target = strings.Join(orgs, " and ")
	}
	return fmt.Sprintf("Run %s for real against %s? %s", steps, target, effect)
}

func (s *testRun) runningText() string {
	ids := make([]string, 0, len(s.d.in.Steps))
	for _, st := range s.d.in.Steps {
		ids = append(ids, st.ID)
	}
	if len(ids) == 1 {
		return "Running step " + ids[0] + "…"
	}
	return "Running steps " + strings.Join(ids, " → ") + "…"
}

// testSummary is the audit detail: each step's result.
func testSummary(outs []engine.StepOutcome) string {
	parts := make([]string, 0, len(outs))
	for _, o := range outs {
		switch {
		case o.Error != nil && o.Error.Code != "":
			parts = append(parts, o.StepID+" ✗ "+o.Error.Code)
		case o.Error != nil:
			parts = append(parts, o.StepID+" ✗")
		default:
			parts = append(parts, o.StepID+" ✓ "+fmt.Sprint(o.Output["outcome"]))
		}
	}
	return strings.Join(parts, "; ")
}

// Editing the sample.

func (s *testRun) startEdit() tea.Cmd {
	text := "{\n  \n}"
	if s.d.sample != nil {
		if b, err := json.MarshalIndent(s.d.sample, "", "  "); err == nil {
			text = string(b)
		}
	}
	s.editing, s.editErr, s.editStart, s.discardAsked = true, "", text, false
	s.area.SetValue(text)
	s.area.MoveToBegin()
	if s.d.sample == nil { // inside the braces, ready to type "key": value
		s.area.CursorDown()
		s.area.CursorEnd()
	}
	return s.area.Focus()
}

func (s *testRun) onEditKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		if s.area.Value() != s.editStart && !s.discardAsked {
			s.discardAsked = true
			s.editErr = "the sample was changed: esc again discards it, ctrl+s applies it"
			return nil
		}
		s.editing, s.editErr = false, ""
		s.area.Blur()
		return nil
	case key.Matches(msg, k.Save):
		ev, err := parseSample(s.area.Value())
		if err != nil {
			s.editErr = err.Error()
			return nil
		}
		s.d.sample, s.d.sampleSource = ev, "written by hand · "+time.Now().Format("15:04:05")
		s.editing, s.editErr = false, ""
		s.sampleErr = nil
		s.area.Blur()
		s.layout()
		return tea.Batch(s.preview(), toast("Sample applied"))
	}
	var cmd tea.Cmd
	s.area, cmd = s.area.Update(msg)
	return cmd
}

// parseSample reads a sample event: a JSON object. A syntax error says
// where (line and column).
func parseSample(text string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("the sample is empty: write a JSON object such as {\"email\": \"ada@acme.com\"}")
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(text, int(se.Offset)-1) // Offset is just past the bad byte
			return nil, fmt.Errorf("line %d, column %d: %v", line, col, se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("the JSON ends too soon: a brace or quote is not closed")
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("there is more after the JSON object: the sample is one object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the sample must be a JSON object ({…}), not %s", jsonKind(v))
	}
	return normalizeNumbers(m).(map[string]any), nil
}

// normalizeNumbers turns json.Numbers into float64 (as events decode
// everywhere else), after UseNumber kept big integers from rounding in the
// error path.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return v
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(text string, off int) (int, int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := off - strings.LastIndex(before, "\n")
	return line, col
}

// Rendering.

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
		msg := "✗ could not load a sample: " + s.sampleErr.Error()
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
	case s.confirm != nil:
		return lipgloss.NewStyle().Width(max(s.w, 20)).Render(s.confirm.View())
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
		summary := fmt.Sprintf("%d of %d steps succeeded", ok, len(s.d.in.Steps))
		style := st.OKText
		if s.testErr != nil || ok < len(s.d.in.Steps) {
			style = st.ErrorText
		}
		line(st.Title.Render("Test run") + st.Faint.Render(" · "+s.testedAt.Format("15:04:05")+" · against the real org · ") + style.Render(summary))
	}
	if s.testErr != nil {
		b.WriteString("\n")
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
	needsEarlier := s.kind == "preview" && o.Error != nil && strings.Contains(o.Error.Message, "steps.")
	switch {
	case needsEarlier:
		line(st.Bold.Render(name) + st.Faint.Render(" · "+title+acct))
		para(st.Faint, "uses an earlier step's output: known in a real test run (ctrl+t)", "   ")
		return
	case s.kind == "preview" && o.Error == nil:
		line(st.Bold.Render(name) + st.Faint.Render(" · "+title+acct))
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
		if strings.Contains(o.Error.Message, "steps.") && s.kind == "preview" {
			para(st.Faint, "Earlier steps' outputs are known only in a real test run (ctrl+t).", "   ")
		}
	}
	if s.kind == "preview" {
		if o.Input != nil {
			line("   " + st.Label.Render("Fields"))
			block(o.Input, "   ")
			line("   " + st.Label.Render("Request"))
			calls, body := describeRequest(step, o.Input)
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

// describeRequest says what a step's action would send to Okta for its
// resolved fields (the action knows: see action.Action.Describe).
func describeRequest(st storage.Step, input map[string]any) ([]string, any) {
	act, ok := action.Lookup(st.Action)
	if !ok {
		return []string{"unknown action " + st.Action}, nil
	}
	req := act.Describe(action.Input{Fields: input, Options: st.Options})
	return req.Calls, req.Body
}

func (s *testRun) View() string {
	st := s.c.Styles
	if s.editing {
		out := []string{
			truncate(st.Section.Render("Edit the sample event")+st.Faint.Render(" · a JSON object · ctrl+s applies · esc cancels"), s.w),
			s.area.View(),
		}
		if s.editErr != "" {
			out = append(out, st.ErrorText.Render(truncate("✗ "+s.editErr, s.w)))
		}
		return strings.Join(out, "\n")
	}
	parts := append(s.sampleView(), s.rule(), s.vp.View())
	if sl := s.statusLine(); sl != "" {
		parts = append(parts, sl)
	}
	return strings.Join(parts, "\n")
}

func (s *testRun) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.editing {
		return []key.Binding{withHelp(k.Save, "apply sample"), withHelp(k.Back, "cancel")}
	}
	if s.confirm != nil {
		return []key.Binding{withHelp(k.Yes, "run it"), withHelp(k.No, "cancel")}
	}
	out := []key.Binding{k.Sample, k.EditJSON, k.Preview}
	if ok, _ := s.c.CanEdit(); ok {
		out = append(out, k.Test)
	}
	return append(out, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")), k.Back)
}

func (s *testRun) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Sample, k.EditJSON, withHelp(k.Save, "apply edited sample"), k.Preview, withHelp(k.Test, "run test (asks first)"), withHelp(k.Enter, "run test")},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Fold, k.Back},
	}
}
