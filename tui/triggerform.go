package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// triggerForm picks a trigger type, then edits its settings in a huh form
// (triggerfields.go builds it). The result goes into the draft; the screen
// pops itself and sends triggerDoneMsg.
type triggerForm struct {
	c        *Common
	d        *draft
	types    *widget.Picker
	spec     trigger.Spec
	vals     *triggerValues            // what the settings form is bound to
	kept     map[string]*triggerValues // settings typed per type, kept when going back to the types
	form     *widget.Form
	accounts []storage.Account
	// columns are the header of the CSV file named in the settings (for
	// the key column's picker); columnsOf is the path they were read from.
	columns   []string
	columnsOf string
	stage     int // 0: pick the type, 1: settings
	problem   error
	confirm   *widget.Confirm
	w, h      int
}

// triggerBackMsg goes back to the trigger types after the user agreed.
type triggerBackMsg struct{}

type triggerAccountsMsg []storage.Account

type triggerDoneMsg struct{}

func newTriggerForm(c *Common, d *draft) *triggerForm {
	var items []widget.Item
	for _, s := range trigger.Specs() {
		items = append(items, widget.Item{Title: s.Title, Desc: s.Type, Value: s.Type})
	}
	t := &triggerForm{c: c, d: d, types: newPicker(c, items, false), kept: map[string]*triggerValues{}, w: c.Width, h: c.Height}
	if d.in.Trigger.Type != "" {
		t.types.Select(d.in.Trigger.Type)
	}
	return t
}

// Init loads the accounts a trigger can name (okta_event, kissflow).
func (t *triggerForm) Init() tea.Cmd {
	b := t.c.Backend
	return func() tea.Msg {
		list, err := b.Accounts()
		if err != nil {
			return errMsg{fmt.Errorf("read the accounts: %w", err)}
		}
		return triggerAccountsMsg(list)
	}
}

func (t *triggerForm) Title() string           { return "Trigger" }
func (t *triggerForm) Capturing() bool         { return t.stage == 1 || t.confirm != nil }
func (t *triggerForm) Prompt() *widget.Confirm { return t.confirm }

func (t *triggerForm) SetSize(w, h int) {
	t.w, t.h = w, h
	t.types.SetSize(w, h-4)
	if t.form != nil {
		t.form.SetSize(w, t.formHeight())
	}
}

func (t *triggerForm) ShortHelp() []key.Binding {
	k := t.c.Keys
	if t.stage == 0 {
		return []key.Binding{k.Up, k.Down, withHelp(k.Enter, "choose"), k.Back}
	}
	out := []key.Binding{k.Next, withHelp(k.Save, "done")}
	for _, f := range t.spec.Fields {
		if f.Secret {
			out = append(out, withHelp(k.Reveal, "show/hide secrets"))
			break
		}
	}
	return append(out, withHelp(k.Back, "trigger types"))
}

func (t *triggerForm) FullHelp() [][]key.Binding {
	k := t.c.Keys
	return [][]key.Binding{t.ShortHelp(), {k.Prev, withHelp(k.Enter, "next setting (done on the last)")}}
}

// openSettings builds the settings form of the chosen type, filled from
// the draft when it is that type already (or from what was typed before).
func (t *triggerForm) openSettings(typ string) tea.Cmd {
	t.spec, _ = trigger.Lookup(typ)
	t.problem = nil
	if kept, ok := t.kept[typ]; ok {
		t.vals = kept
	} else {
		t.vals = newTriggerValues(t.spec, t.d.in.Trigger)
		t.kept[typ] = t.vals
	}
	if len(t.spec.Fields) == 0 {
		// Nothing to set (manual): the types list stays on screen until
		// the pop lands, so no empty settings page flashes.
		return t.finish()
	}
	t.stage = 1
	return t.build()
}

func (t *triggerForm) build() tea.Cmd {
	t.form = widget.NewForm(t.c.Styles.Styles, t.w, t.formHeight(), t.group())
	return t.form.Init()
}

// rebuild makes the form again (new choices arrived), the focus kept on
// the setting it was on.
func (t *triggerForm) rebuild() tea.Cmd {
	at := ""
	if f := t.form.GetFocusedField(); f != nil {
		at = f.GetKey()
	}
	cmd := t.build()
	for range len(t.spec.Fields) + 1 {
		if f := t.form.GetFocusedField(); f == nil || f.GetKey() == at {
			break
		}
		t.form.NextField()
	}
	return cmd
}

// columnsMsg is the header of a CSV file.
type columnsMsg struct {
	path    string
	columns []string
	err     error
}

// loadColumns reads the header of the CSV file named in the settings, once
// the path is typed and the user has moved on from it (the key column is
// then picked from the file's own columns).
func (t *triggerForm) loadColumns() tea.Cmd {
	if t.spec.Type != trigger.CSV || t.vals == nil {
		return nil
	}
	path := strings.TrimSpace(*t.vals.text["path"])
	if f := t.form.GetFocusedField(); path == "" || path == t.columnsOf || (f != nil && f.GetKey() == "path") {
		return nil
	}
	t.columnsOf = path
	b, delim, enc := t.c.Backend, *t.vals.text["delimiter"], *t.vals.text["encoding"]
	return func() tea.Msg {
		cols, err := b.CSVColumns(path, delim, enc)
		return columnsMsg{path, cols, err}
	}
}

// changed reports whether the settings differ from the draft's trigger.
func (t *triggerForm) changed() bool {
	if t.vals == nil {
		return false
	}
	return t.vals.changed(t.spec, t.d.in.Trigger)
}

// finish writes the settings into the draft, after the full check the
// engine makes at save.
func (t *triggerForm) finish() tea.Cmd {
	tr := t.vals.trigger(t.spec)
	if err := trigger.Validate(tr.Type, trigger.Config{Values: tr.Config, Secrets: secretsText(tr.Secrets)}); err != nil {
		t.problem, t.stage = err, 1
		return t.build() // huh forms end on submit: a new one, with what was typed
	}
	// The source policy (the feeds folder, private addresses) is the
	// engine's: its check at save, for the trigger's part, off the event
	// loop (a URL's name is looked up).
	switch tr.Type {
	case trigger.CSV, trigger.HTTPPoll, trigger.Kissflow:
	default: // no source to check
		return t.keep(triggerCheckedMsg{tr: tr})
	}
	b, in := t.c.Backend, t.d.in
	in.Trigger = tr
	return func() tea.Msg { return triggerCheckedMsg{tr, triggerProblems(b.Validate(in))} }
}

// triggerCheckedMsg is the engine's word on the settings being kept.
type triggerCheckedMsg struct {
	tr  storage.Trigger
	err error // the trigger's problems, or why they could not be checked
}

// triggerProblems keeps the problems of the trigger (the steps may not be
// there yet in a wizard).
func triggerProblems(err error) error {
	var ps engine.Problems
	if !errors.As(err, &ps) {
		return err
	}
	var mine engine.Problems
	for _, p := range ps {
		if p.Path == "trigger" || strings.HasPrefix(p.Path, "trigger.") {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	return mine
}

// keep writes checked settings into the draft and closes the form.
func (t *triggerForm) keep(msg triggerCheckedMsg) tea.Cmd {
	if msg.err != nil {
		t.problem, t.stage = msg.err, 1
		return t.build()
	}
	t.d.in.Trigger = msg.tr
	t.d.dirty = true
	return tea.Sequence(pop, func() tea.Msg { return triggerDoneMsg{} })
}

func secretsText(m map[string]storage.Secret) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v.Reveal()
	}
	return out
}

func (t *triggerForm) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if ok, cmd := answer(&t.confirm, msg); ok {
		return t, cmd
	}
	switch msg := msg.(type) {
	case triggerAccountsMsg:
		t.accounts = msg
		if t.stage == 1 { // the account pickers now have their choices
			return t, t.build()
		}
		return t, nil
	case triggerCheckedMsg:
		return t, t.keep(msg)
	case columnsMsg:
		if msg.path != t.columnsOf || t.stage != 1 {
			return t, nil // an older path's
		}
		t.columns = msg.columns
		if msg.err != nil {
			t.columns = nil
			t.problem = fmt.Errorf("the key column cannot be picked from the file: %w", msg.err)
		} else {
			t.problem = nil
		}
		return t, t.rebuild()
	case triggerBackMsg:
		delete(t.kept, t.spec.Type) // the user chose to drop what was typed
		t.stage = 0
		return t, nil
	case tea.KeyPressMsg:
		if t.stage == 0 {
			return t, t.onTypeKey(msg)
		}
		if cmd, done := t.onSettingsKey(msg); done {
			return t, cmd
		}
	}
	if t.stage != 1 || t.form == nil || !forForm(msg) {
		return t, nil
	}
	cmd := t.form.Update(msg)
	if t.form.Done() { // enter on the last setting
		return t, tea.Batch(cmd, t.finish())
	}
	return t, tea.Batch(cmd, t.loadColumns())
}

func (t *triggerForm) onTypeKey(km tea.KeyPressMsg) tea.Cmd {
	k := t.c.Keys
	switch {
	case key.Matches(km, k.Back):
		return pop
	case key.Matches(km, k.Enter):
		if it, ok := t.types.Selected(); ok {
			return t.openSettings(it.Value.(string))
		}
		return nil
	}
	return t.types.Update(km)
}

// onSettingsKey handles the keys the form does not; done reports whether
// km was one.
func (t *triggerForm) onSettingsKey(km tea.KeyPressMsg) (tea.Cmd, bool) {
	k := t.c.Keys
	switch {
	case key.Matches(km, k.Back):
		if t.changed() {
			t.confirm = ask(t.c, "Leave these settings without keeping them? (ctrl+s keeps them)",
				func() tea.Msg { return triggerBackMsg{} }, nil)
			return nil, true
		}
		t.stage = 0
		return nil, true
	case key.Matches(km, k.Save):
		return t.finish(), true
	case key.Matches(km, k.Reveal):
		t.vals.shown = !t.vals.shown
		t.vals.mask()
		t.form.Refresh()
		return nil, true
	}
	return nil, false
}

func (t *triggerForm) View() string {
	st := t.c.Styles
	if t.stage == 0 {
		return st.Section.Render("What starts this integration?") + "\n\n" + t.types.View()
	}
	out := []string{st.Section.Render(t.spec.Title), st.Faint.Render(wrap(t.spec.Description, min(t.w, 90)))}
	if t.spec.Type == trigger.Webhook {
		url := "shown once the integration is saved: POST " + hookURL(t.c, "<integration id>")
		if t.d.in.ID != "" {
			url = "POST " + hookURL(t.c, t.d.in.ID)
		}
		out = append(out, st.Label.Render("URL ")+st.Code.Render(url))
	}
	if t.form != nil { // a type without settings (manual) finishes without one
		out = append(out, "", t.form.View())
	}
	switch {
	case t.confirm != nil: // the app draws the question (prompter)
	case t.problem != nil:
		out = append(out, st.ErrorText.Render(strings.TrimRight(wrap("✗ "+t.problem.Error(), min(t.w, 100)), " \n")))
	}
	return strings.Join(out, "\n")
}

// formHeight is what the settings form may use below the trigger's title,
// description and URL, and above a problem.
func (t *triggerForm) formHeight() int { return max(t.h-7, 6) }
