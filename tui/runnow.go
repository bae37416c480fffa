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
	w, h  int
}

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

func (r *runNow) Init() tea.Cmd   { return nil }
func (r *runNow) Title() string   { return "Run now" }
func (r *runNow) Capturing() bool { return true }
func (r *runNow) SetSize(w, h int) {
	r.w, r.h = w, h
	r.area.SetWidth(max(w, 20))
	r.area.SetHeight(max(h-5, 3))
}
func (r *runNow) ShortHelp() []key.Binding {
	k := r.c.Keys
	return []key.Binding{withHelp(k.Save, "run it"), withHelp(k.Back, "cancel")}
}
func (r *runNow) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

func (r *runNow) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
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
	b.WriteString(st.Faint.Render(truncate("It acts on the real org of each step, like any run; it shows under Runs.", r.w)) + "\n")
	b.WriteString(r.area.View() + "\n")
	switch {
	case r.busy:
		b.WriteString(st.Faint.Render("Queuing the run…"))
	case r.err != "":
		b.WriteString(st.ErrorText.Render(truncate("✗ "+r.err, r.w)))
	}
	return b.String()
}
