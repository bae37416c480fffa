package tui

import (
	"encoding/json"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/storage"
)

// runNow queues a run of an integration with an event typed here (the
// manual trigger's "Run now"; it works for any trigger, ON or OFF), then
// shows the run.
type runNow struct {
	c     *Common
	in    storage.Integration
	area  textarea.Model
	start string
	err   string
	asked bool // esc on changed text asked once
	busy  bool
	// acts says what the run acts on (accountsActedOn), once the steps'
	// accounts are read.
	acts string
	w, h int
}

// runNowAccountsMsg are the accounts the integration's steps name.
type runNowAccountsMsg map[string]storage.Account

type runQueuedMsg struct {
	id        storage.RunID
	err, warn error
}

func newRunNow(c *Common, in storage.Integration, sample map[string]any) *runNow {
	text := "{\n  \n}"
	if sample != nil {
		if b, err := json.MarshalIndent(sample, "", "  "); err == nil {
			text = string(b)
		}
	}
	r := &runNow{c: c, in: in, start: text}
	r.area = textarea.New()
	ts := textarea.DefaultStyles(c.Styles.IsDark)
	ts.Cursor.Blink = false // a steady cursor: no blink ticks to re-render for
	r.area.SetStyles(ts)
	r.area.SetValue(text)
	r.area.MoveToBegin()
	if sample == nil {
		r.area.CursorDown()
		r.area.CursorEnd()
	}
	r.area.Focus()
	return r
}

// Init reads the accounts of the steps, to say what the run acts on.
func (r *runNow) Init() tea.Cmd {
	b, in := r.c.Backend, r.in
	return func() tea.Msg { return runNowAccountsMsg(stepAccounts(b, in)) }
}

func (r *runNow) Title() string   { return "Run now" }
func (r *runNow) Capturing() bool { return true }
func (r *runNow) SetSize(w, h int) {
	r.w, r.h = w, h
	r.area.SetWidth(max(w, 20))
	r.area.SetHeight(max(h-3-len(r.intro()), 3))
}

// intro is the lines under the title: what the run acts on, wrapped.
func (r *runNow) intro() []string {
	text := "Like any run, it runs its steps and shows under Runs."
	if r.acts != "" {
		text = "Like any run, it acts on " + r.acts + ", and shows under Runs."
	}
	return strings.Split(strings.TrimRight(wrap(text, max(r.w, 20)), " \n"), "\n")
}
func (r *runNow) ShortHelp() []key.Binding {
	k := r.c.Keys
	return []key.Binding{withHelp(k.Save, "run it"), withHelp(k.Back, "cancel")}
}
func (r *runNow) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

func (r *runNow) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case runNowAccountsMsg:
		r.acts = accountsActedOn(r.in, msg)
		r.SetSize(r.w, r.h) // the intro may take more lines
		return r, nil
	case runQueuedMsg:
		r.busy = false
		if msg.err != nil {
			r.err = msg.err.Error()
			return r, nil
		}
		return r, tea.Batch(replace(newRunDetail(r.c, msg.id)), toast("Run "+msg.id.String()+" queued"), warnCmd(msg.warn))
	case tea.KeyPressMsg:
		k := r.c.Keys
		switch {
		case r.busy:
			return r, nil
		case key.Matches(msg, k.Back):
			if r.area.Value() != r.start && !r.asked {
				r.asked, r.err = true, "the event was changed: esc again leaves without running, ctrl+s runs it"
				return r, nil
			}
			return r, pop
		case key.Matches(msg, k.Save):
			ev, err := parseSample(r.area.Value())
			if err != nil {
				r.err = err.Error()
				return r, nil
			}
			r.busy, r.err = true, ""
			b, in := r.c.Backend, r.in
			return r, func() tea.Msg {
				id, err := b.RunNow(in.ID, ev)
				fail, warn := outcome(err)
				return runQueuedMsg{id: id, err: fail, warn: warn}
			}
		}
	}
	var cmd tea.Cmd
	r.area, cmd = r.area.Update(msg)
	return r, cmd
}

func (r *runNow) View() string {
	st := r.c.Styles
	var b strings.Builder
	b.WriteString(st.Section.Render("Run "+r.in.Name+" now") + st.Faint.Render("  · the event, as a JSON object · ctrl+s runs it") + "\n")
	for _, line := range r.intro() {
		b.WriteString(st.Faint.Render(strings.TrimRight(line, " ")) + "\n")
	}
	b.WriteString(r.area.View() + "\n")
	switch {
	case r.busy:
		b.WriteString(st.Faint.Render("Queuing the run…"))
	case r.err != "":
		b.WriteString(st.ErrorText.Render(truncate("✗ "+r.err, r.w)))
	}
	return b.String()
}
