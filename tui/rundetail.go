package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// runDetail shows one run: its state, timings and error, the trigger event,
// and each step's resolved input, output or Okta error, in one scrollable
// page that follows the run live.
type runDetail struct {
	c    *Common
	id   storage.RunID
	run  *storage.Run
	in   *storage.Integration // nil when the integration was deleted
	err  error                // why the run could not be read
	vp   viewport.Model
	spin widget.Busy // turns while the run is running
	w, h int
}

// runDetailMsg carries a run (re)read from the store.
type runDetailMsg struct {
	run storage.Run
	in  *storage.Integration
	err error
}

func newRunDetail(c *Common, id storage.RunID) Screen {
	s := &runDetail{c: c, id: id}
	s.vp = viewport.New(viewport.WithWidth(max(c.Width, 10)), viewport.WithHeight(max(c.Height-1, 1)))
	s.vp.SoftWrap = true
	s.spin = widget.NewBusy(c.Styles.Styles)
	s.SetSize(c.Width, c.Height)
	return s
}

func (s *runDetail) Init() tea.Cmd   { return s.load() }
func (s *runDetail) Title() string   { return "Run " + s.id.String() }
func (s *runDetail) Capturing() bool { return false }

func (s *runDetail) SetSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(max(w, 10))
	s.vp.SetHeight(max(h-1, 1))
	s.render()
}

func (s *runDetail) ShortHelp() []key.Binding {
	k := s.c.Keys
	b := []key.Binding{withHelp(k.Down, "scroll"), k.PageDown}
	if s.run != nil && runRetryable(s.run.State) {
		if ok, _ := s.c.can(engine.OpRetry); ok {
			b = append(b, k.Retry)
		}
	}
	return append(b, k.Back)
}

func (s *runDetail) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}, {k.Retry, k.Back}}
}

func (s *runDetail) load() tea.Cmd {
	b, id := s.c.Backend, s.id
	return func() tea.Msg {
		r, err := b.Run(id)
		if err != nil {
			return runDetailMsg{err: err}
		}
		msg := runDetailMsg{run: r}
		switch in, err := b.Integration(r.IntegrationID); {
		case err == nil:
			msg.in = &in
		case !errors.Is(err, storage.ErrNotFound): // deleted since: the run stands alone
			msg.err = fmt.Errorf("read its integration: %w", err)
		}
		return msg
	}
}

func (s *runDetail) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	if _, tick := msg.(spinner.TickMsg); !tick && s.run != nil && s.run.State == storage.RunRunning {
		cmd = tea.Batch(cmd, s.spin.Tick()) // the spinner turns while the run runs, then rests
	}
	return s, cmd
}

func (s *runDetail) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runDetailMsg:
		if msg.run.ID == 0 {
			s.err = msg.err
		} else {
			s.run, s.in, s.err = &msg.run, msg.in, msg.err
		}
		s.render()
		return nil
	case runRetriedMsg:
		if msg.err != nil {
			return func() tea.Msg { return errMsg{msg.err} }
		}
		if msg.run.ID == s.id {
			s.run = &msg.run
			s.render()
		}
		return tea.Batch(toast(fmt.Sprintf("Run %s queued again", msg.run.ID)), warnCmd(msg.warn))
	case dataChangedMsg:
		return s.load()
	case engineEventMsg:
		switch msg.ev.Kind {
		case engine.RunChanged:
			if r := msg.ev.Run; r != nil && r.ID == s.id {
				s.run = r
				s.render()
			}
		case engine.Lagged:
			return s.load()
		}
		return nil
	case spinner.TickMsg:
		running := s.run != nil && s.run.State == storage.RunRunning
		cmd, _ := s.spin.Turn(msg, running)
		if running {
			s.render() // the running step's spinner
		}
		return cmd
	case tea.KeyPressMsg:
		return s.onKey(msg)
	}
	return nil
}

func (s *runDetail) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case scrollViewport(&s.vp, msg, k):
	case key.Matches(msg, k.Retry):
		if s.run != nil {
			return retryRun(s.c, *s.run)
		}
	}
	return nil
}

func (s *runDetail) View() string {
	st := s.c.Styles
	switch {
	case s.err != nil && s.run == nil:
		msg := s.err.Error()
		if errors.Is(s.err, storage.ErrNotFound) {
			msg = fmt.Sprintf("Run %s does not exist (it may have been pruned).", s.id)
		}
		return st.ErrorText.Render(wrap(msg, min(s.w, 76))) + "\n\n" + st.Faint.Render("esc goes back")
	case s.run == nil:
		return st.Faint.Render("Loading run " + s.id.String() + "…")
	}
	return s.vp.View() + "\n" + s.bottomLine()
}

func (s *runDetail) bottomLine() string {
	st := s.c.Styles
	var parts []string
	if s.vp.TotalLineCount() > s.vp.Height() {
		parts = append(parts, st.Faint.Render(fmt.Sprintf("%3.0f%% · ↓/pgdn scrolls", s.vp.ScrollPercent()*100)))
	}
	if runRetryable(s.run.State) {
		if ok, _ := s.c.can(engine.OpRetry); ok {
			parts = append(parts, st.Faint.Render("ctrl+r retries this run"))
		}
	}
	return truncate(strings.Join(parts, st.Faint.Render(" · ")), s.w)
}

// render rebuilds the page, keeping the scroll position.
func (s *runDetail) render() {
	if s.run == nil {
		return
	}
	y := s.vp.YOffset()
	s.vp.SetContent(s.content())
	s.vp.SetYOffset(y)
}
