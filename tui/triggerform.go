package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// triggerForm picks a trigger type, then edits its settings. The result
// goes into the draft; the screen pops itself and sends triggerDoneMsg.
type triggerForm struct {
	c        *Common
	d        *draft
	types    *widget.Picker
	spec     trigger.Spec
	form     *form
	forms    map[string]*form // settings typed per type, kept when going back to the types
	accounts []storage.Account
	stage    int // 0: pick the type, 1: settings
	confirm  *widget.Confirm
	w, h     int
}

// triggerBackMsg goes back to the trigger types after the user agreed.
type triggerBackMsg struct{}

// changed reports whether the settings differ from the draft's trigger.
func (t *triggerForm) changed() bool {
	if t.form == nil {
		return false
	}
	same := t.d.in.Trigger.Type == t.spec.Type
	for _, f := range t.spec.Fields {
		saved := ""
		switch {
		case !same:
		case f.Secret:
			saved = t.d.in.Trigger.Secrets[f.Key].Reveal()
		default:
			saved = configText(f, t.d.in.Trigger.Config[f.Key])
		}
		if t.form.Value(f.Key) != strings.TrimSpace(saved) {
			if !same && f.Key == "secret" { // the generated webhook secret is not the user's edit
				continue
			}
			return true
		}
	}
	return false
}

type triggerAccountsMsg []storage.Account

type triggerDoneMsg struct{}

func newTriggerForm(c *Common, d *draft) *triggerForm {
	var items []widget.Item
	for _, s := range trigger.Specs() {
		items = append(items, widget.Item{Title: s.Title, Desc: s.Type, Value: s.Type})
	}
	t := &triggerForm{c: c, d: d, types: newPicker(c, items, false), forms: map[string]*form{}}
	if d.in.Trigger.Type != "" {
		t.types.Select(d.in.Trigger.Type)
	}
	return t
}

// Init loads the accounts an okta_event trigger can name.
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
func (t *triggerForm) Title() string { return "Trigger" }
func (t *triggerForm) Capturing() bool {
	return t.stage == 1
}
func (t *triggerForm) SetSize(w, h int) {
	t.w, t.h = w, h
	t.types.SetSize(w, h-4)
	if t.form != nil {
		t.form.SetWidth(w)
		t.form.SetHeight(t.formHeight())
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
			out = append(out, withHelp(k.Reveal, "show/hide secret"))
			break
		}
	}
	return append(out, withHelp(k.Back, "trigger types"))
}
func (t *triggerForm) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }

// openSettings builds the settings form of the chosen type, filled from
// the draft when it is that type already.
func (t *triggerForm) openSettings(typ string) tea.Cmd {
	spec, _ := trigger.Lookup(typ)
	t.spec = spec
	t.stage = 1
	if kept, ok := t.forms[typ]; ok { // back from the types: what was typed is still there
		t.form = kept
		t.form.SetWidth(t.w)
		t.form.SetHeight(t.formHeight())
		return nil
	}
	var fields []*formField
	for _, f := range spec.Fields {
		ff := &formField{Key: f.Key, Label: f.Label, Help: f.Help, Required: f.Required, Secret: f.Secret}
		if ff.Help == "" && f.Default != "" {
			ff.Help = "default: " + f.Default
		}
		ff.Validate = fieldCheck(f, &t.accounts)
		if f.Key == "secret" && typ == trigger.Webhook {
			ff.Help = "callers send Authorization: Bearer <secret>; one was generated for you"
		}
		fields = append(fields, ff)
	}
	t.form = newForm(t.c, fields...)
	t.forms[typ] = t.form
	t.form.SetWidth(t.w)
	t.form.SetHeight(t.formHeight())
	same := t.d.in.Trigger.Type == typ
	for _, f := range spec.Fields {
		switch {
		case f.Secret && same && !t.d.in.Trigger.Secrets[f.Key].IsZero():
			t.form.Set(f.Key, t.d.in.Trigger.Secrets[f.Key].Reveal())
		case same:
			t.form.Set(f.Key, configText(f, t.d.in.Trigger.Config[f.Key]))
		}
	}
	if typ == trigger.Webhook && t.form.Value("secret") == "" {
		t.form.Set("secret", engine.NewSecret().Reveal())
	}
	t.stage = 1
	if len(fields) == 0 {
		return t.finish()
	}
	return nil
}

// configText renders a stored setting for its input.
func configText(f trigger.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		var parts []string
		for k, e := range x {
			parts = append(parts, k+": "+fmt.Sprint(e))
		}
		return strings.Join(parts, "; ")
	case float64:
		return fmt.Sprint(x)
	case string:
		if f.Kind == trigger.KindMap {
			return strings.ReplaceAll(x, "\n", "; ")
		}
		return x
	}
	return fmt.Sprint(v)
}

// fieldCheck checks one setting as it is typed.
func fieldCheck(f trigger.Field, accountsRef *[]storage.Account) func(string) error {
	switch {
	case f.Key == "account":
		return func(v string) error {
			if strings.TrimSpace(v) == "" && !f.Required {
				return nil
			}
			accounts := *accountsRef
			for _, a := range accounts {
				if strings.EqualFold(a.Name, v) {
					return nil
				}
			}
			return fmt.Errorf("no account named %q (accounts: %s)", v, accountList(accounts))
		}
	}
	// Every other setting: the trigger package's own check, the one save uses.
	return f.Check
}

func accountList(accounts []storage.Account) string {
	if len(accounts) == 0 {
		return "none yet"
	}
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// finish writes the settings into the draft, after a full check.
func (t *triggerForm) finish() tea.Cmd {
	if t.form != nil && !t.form.Valid() {
		return nil
	}
	tr := storage.Trigger{Type: t.spec.Type, Config: map[string]any{}, Secrets: map[string]storage.Secret{}}
	for _, f := range t.spec.Fields {
		v := ""
		if t.form != nil {
			v = t.form.Value(f.Key)
		}
		if v == "" {
			continue
		}
		switch {
		case f.Secret && f.Kind == trigger.KindMap:
			tr.Secrets[f.Key] = storage.Secret(strings.ReplaceAll(v, ";", "\n"))
		case f.Secret:
			tr.Secrets[f.Key] = storage.Secret(v)
		case f.Kind == trigger.KindList:
			var list []any
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, p)
				}
			}
			tr.Config[f.Key] = list
		case f.Kind == trigger.KindMap:
			tr.Config[f.Key] = strings.ReplaceAll(v, ";", "\n")
		default:
			tr.Config[f.Key] = v
		}
	}
	err := trigger.Validate(tr.Type, trigger.Config{Values: tr.Config, Secrets: secretsText(tr.Secrets)})
	if err != nil {
		return func() tea.Msg { return errMsg{err} }
	}
	t.d.in.Trigger = tr
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
		return t, nil
	case triggerBackMsg:
		delete(t.forms, t.spec.Type) // the user chose to drop what was typed
		t.stage = 0
		return t, nil
	}
	km, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		if t.form != nil && t.stage == 1 {
			return t, t.form.Update(msg)
		}
		return t, nil
	}
	k := t.c.Keys
	if t.stage == 0 {
		switch {
		case key.Matches(km, k.Back):
			return t, pop
		case key.Matches(km, k.Enter):
			if it, ok := t.types.Selected(); ok {
				return t, t.openSettings(it.Value.(string))
			}
		}
		return t, t.types.Update(km)
	}
	switch {
	case key.Matches(km, k.Back):
		if t.changed() {
			t.confirm = ask(t.c, "Leave these settings without keeping them? (ctrl+s keeps them)",
				func() tea.Msg { return triggerBackMsg{} }, nil)
			return t, nil
		}
		t.stage = 0
		return t, nil
	case key.Matches(km, k.Save):
		return t, t.finish()
	case key.Matches(km, k.Enter):
		if t.form.focus == len(t.form.fields)-1 {
			return t, t.finish()
		}
		t.form.touch()
		return t, t.form.setFocus(t.form.focus + 1)
	}
	return t, t.form.Update(km)
}

func (t *triggerForm) View() string {
	st := t.c.Styles
	if t.stage == 0 {
		return st.Section.Render("What starts this integration?") + "\n\n" + t.types.View()
	}
	head := st.Section.Render(t.spec.Title) + "\n" + st.Faint.Render(wrap(t.spec.Description, min(t.w, 90))) + "\n"
	if t.confirm != nil {
		head += t.confirm.View() + "\n"
	}
	if t.spec.Type == trigger.Webhook {
		url := "shown once the integration is saved: POST " + hookURL(t.c, "<integration id>")
		if t.d.in.ID != "" {
			url = "POST " + hookURL(t.c, t.d.in.ID)
		}
		head += st.Label.Render("URL ") + st.Code.Render(url) + "\n"
	}
	return head + "\n" + t.form.View()
}

// formHeight is what the settings form may use below the trigger's title,
// description and URL.
func (t *triggerForm) formHeight() int { return max(t.h-6, 6) }
