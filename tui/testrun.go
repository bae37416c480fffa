package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
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
		outcomes  []engine.StepOutcome
		err, warn error // warn: the test ran, its audit entry was not written
		at        time.Time
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

func (s *testRun) Title() string           { return "Test" }
func (s *testRun) Capturing() bool         { return s.editing || s.confirm != nil }
func (s *testRun) Prompt() *widget.Confirm { return s.confirm }

// Init previews the sample; without one, a saved webhook or manual
// integration starts from the event of its latest run (a poll trigger is
// only asked on ctrl+l: that calls an outside API).
func (s *testRun) Init() tea.Cmd {
	if s.d.sample != nil && !s.d.starter {
		return s.preview()
	}
	if spec, ok := trigger.Lookup(s.d.in.Trigger.Type); ok && spec.Push && s.d.in.ID != "" {
		b, ctx, in := s.c.Backend, s.c.Ctx, cloneIntegration(s.d.in)
		return func() tea.Msg {
			ev, err := b.Sample(ctx, in)
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
			s.d.sample, s.d.starter = msg.sample, false
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
		b, ctx := s.c.Backend, s.c.Ctx
		in, sample := cloneIntegration(s.d.in), s.d.sample
		run := func() tea.Msg {
			outs, err := b.TestIntegration(ctx, in, sample)
			fail, warn := outcome(err)
			return testDoneMsg{outcomes: outs, err: fail, warn: warn, at: time.Now()}
		}
		s.confirm = ask(s.c, msg.question, func() tea.Msg { return testStartMsg{run} }, nil)
		s.layout()
		return s, nil
	case testDoneMsg:
		s.busy.Stop()
		warn := warnCmd(msg.warn)
		s.kind, s.outcomes, s.testErr, s.testedAt = "test", msg.outcomes, msg.err, msg.at
		for _, o := range msg.outcomes {
			if o.Error == nil && o.Output != nil {
				s.d.outputs[o.StepID] = o.Output
			}
		}
		s.vp.GotoTop()
		s.layout()
		return s, warn
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
	b, ctx, in := s.c.Backend, s.c.Ctx, cloneIntegration(s.d.in)
	return tea.Batch(start, func() tea.Msg {
		ev, err := b.Sample(ctx, in)
		return sampleLoadedMsg{sample: ev, err: err}
	})
}

func (s *testRun) preview() tea.Cmd {
	b, in, sample := s.c.Backend, cloneIntegration(s.d.in), s.d.sample
	return func() tea.Msg {
		outs, err := b.Preview(in, sample)
		if err != nil {
			return errMsg{err}
		}
		return previewMsg{outcomes: outs, accounts: stepAccounts(b, in)}
	}
}

// askTest builds the confirmation: which org(s) the test acts on.
func (s *testRun) askTest() tea.Cmd {
	if ok, why := s.c.can(engine.OpTest); !ok {
		return toast(why + "; Preview (ctrl+p) works")
	}
	if s.d.sample == nil {
		return toast("No sample yet: ctrl+l loads one from the trigger, ctrl+e lets you write one")
	}
	if len(s.d.in.Steps) == 0 {
		return toast("Add an action step first")
	}
	store, in := s.c.Backend, cloneIntegration(s.d.in)
	return func() tea.Msg {
		accounts := stepAccounts(store, in)
		return testConfirmMsg{question: testQuestion(in, accounts), accounts: accounts}
	}
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
	out := []key.Binding{k.Sample, k.EditJSON, k.Preview}
	if ok, _ := s.c.can(engine.OpTest); ok {
		out = append(out, k.Test)
	}
	return append(out, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")), s.back())
}

// back is esc: back, or where the wizard's flow goes on to (draft.next).
func (s *testRun) back() key.Binding {
	if s.d.next != "" {
		return withHelp(s.c.Keys.Back, s.d.next)
	}
	return s.c.Keys.Back
}

func (s *testRun) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Sample, k.EditJSON, withHelp(k.Save, "apply edited sample"), k.Preview, withHelp(k.Test, "run test (asks first)"), withHelp(k.Enter, "run test")},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Fold, s.back()},
	}
}
