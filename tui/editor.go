package tui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// editor shows an integration: its trigger and steps on the left, the
// selected one on the right. Steps can be added, edited, reordered and
// removed; the integration can be tested, saved and switched ON or OFF.
// Edits stay in the draft until ctrl+s; esc asks before dropping them.
type editor struct {
	c        *Common
	d        *draft
	saved    storage.Integration
	cursor   int // 0: the trigger; i+1: step i
	action   string
	problems engine.Problems
	revealed map[string]string // the trigger's secrets, when an admin asked to see them (ctrl+v)
	confirm  *widget.Confirm
	health   storage.TriggerHealth // how the trigger's polls go
	w, h     int
}

func newEditor(c *Common, in storage.Integration) *editor {
	return &editor{c: c, d: newDraft(in), saved: in}
}

func (e *editor) Init() tea.Cmd { return tea.Batch(validate(e.c, e.d.in), e.loadHealth()) }

// healthMsg carries the trigger's health.
type healthMsg struct{ h storage.TriggerHealth }

// loadHealth reads how the trigger's polls go (a saved integration's).
func (e *editor) loadHealth() tea.Cmd {
	if e.d.in.ID == "" {
		return nil
	}
	b, id := e.c.Backend, e.d.in.ID
	return func() tea.Msg {
		all, err := b.TriggerHealths()
		if err != nil {
			return errMsg{fmt.Errorf("read the trigger's health: %w", err)}
		}
		return healthMsg{all[id]}
	}
}
func (e *editor) Title() string   { return e.d.in.Name }
func (e *editor) Capturing() bool { return e.confirm != nil }
func (e *editor) SetSize(w, h int) {
	e.w, e.h = w, h
}
func (e *editor) ShortHelp() []key.Binding {
	k := e.c.Keys
	if editable, _ := e.c.can(engine.OpEditIntegration); !editable { // a viewer sees what they can do
		return []key.Binding{k.Up, k.Down, withHelp(k.Runs, "runs"), k.Back}
	}
	return []key.Binding{withHelp(k.Enter, "edit"), k.AddStep, k.Test, k.Save, k.Toggle, k.Back}
}
func (e *editor) FullHelp() [][]key.Binding {
	k := e.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, withHelp(k.Enter, "edit trigger or map fields"), k.Trigger},
		{k.AddStep, k.MoveUp, k.MoveDown, withHelp(k.Delete, "remove step")},
		{k.Test, k.RunNow, k.Save, k.Toggle},
		{withHelp(k.Runs, "runs of this integration"), withHelp(k.Reveal, "show/hide the trigger's secret")},
	}
}

func (e *editor) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if ok, cmd := answer(&e.confirm, msg); ok {
		return e, cmd
	}
	switch msg := msg.(type) {
	case validatedMsg:
		e.problems = msg.problems
		return e, nil
	case dataChangedMsg, triggerDoneMsg:
		return e, validate(e.c, e.d.in)
	case actionPickedMsg:
		e.action = msg.id
		return e, pickAccount(e.c, msg.id)
	case accountPickedMsg:
		if e.action == "" {
			return e, nil
		}
		i := addStep(e.d, e.action, msg.name)
		e.action = ""
		e.cursor = i + 1
		return e, tea.Batch(validate(e.c, e.d.in), push(newMapping(e.c, e.d, i)))
	case savedMsg:
		if msg.err != nil {
			return e, func() tea.Msg { return errMsg{msg.err} }
		}
		e.saved = msg.in
		e.d.in.ID, e.d.in.UpdatedAt, e.d.in.CreatedAt = msg.in.ID, msg.in.UpdatedAt, msg.in.CreatedAt
		e.d.in.Trigger.Secrets = msg.in.Trigger.Secrets
		e.d.dirty = false
		return e, tea.Batch(toast(savedNote(msg)), validate(e.c, e.d.in), warnCmd(msg.warn))
	case toggledMsg:
		fail, warn := outcome(msg.err)
		if fail != nil {
			return e, func() tea.Msg { return errMsg{fail} }
		}
		e.saved.Enabled, e.d.in.Enabled = msg.on, msg.on
		return e, tea.Batch(toast(msg.name+" is "+onOff(msg.on)), warnCmd(warn))
	case healthMsg:
		e.health = msg.h
		return e, nil
	case engineEventMsg:
		if msg.ev.Kind == engine.TriggerHealthChanged && msg.ev.IntegrationID == e.d.in.ID && msg.ev.Health != nil {
			e.health = *msg.ev.Health // as it happens
			return e, nil
		}
		if msg.ev.Kind == engine.IntegrationChanged && msg.ev.IntegrationID == e.d.in.ID {
			b := e.c.Backend
			id := e.d.in.ID
			return e, func() tea.Msg {
				in, err := b.Integration(id)
				if err != nil {
					return errMsg{fmt.Errorf("read the integration again: %w", err)}
				}
				return integrationStateMsg{in.Enabled}
			}
		}
		return e, nil
	case revealedMsg:
		if msg.err != nil {
			return e, func() tea.Msg { return errMsg{msg.err} }
		}
		e.revealed = msg.secrets
		return e, nil
	case removeStepMsg:
		if msg.index < len(e.d.in.Steps) {
			e.d.in.Steps = append(e.d.in.Steps[:msg.index:msg.index], e.d.in.Steps[msg.index+1:]...)
			e.d.dirty = true
			e.cursor = min(e.cursor, len(e.d.in.Steps))
		}
		return e, validate(e.c, e.d.in)
	case integrationStateMsg:
		e.saved.Enabled, e.d.in.Enabled = msg.enabled, msg.enabled
		return e, nil
	case tea.KeyPressMsg:
		return e, e.onKey(msg)
	}
	return e, nil
}

type integrationStateMsg struct{ enabled bool }

// keyOp is what a key of the editor does, for the hint when the user may
// not (the backend refuses the change itself).
func (e *editor) keyOp(msg tea.KeyPressMsg) (engine.Op, bool) {
	k := e.c.Keys
	switch {
	case key.Matches(msg, k.Enter, k.Edit, k.Trigger, k.AddStep, k.MoveUp, k.MoveDown, k.Delete, k.Save):
		return engine.OpEditIntegration, true
	case key.Matches(msg, k.Toggle):
		return engine.OpToggle, true
	case key.Matches(msg, k.RunNow):
		return engine.OpRunNow, true
	case key.Matches(msg, k.Reveal):
		return engine.OpRevealSecret, true
	}
	return "", false
}

// revealedMsg carries the trigger's secrets, read for an admin who asked
// to see them (the backend audits it).
type revealedMsg struct {
	secrets map[string]string
	err     error
}

// reveal shows or hides the trigger's secrets. A saved integration's are
// read through the backend (audited); a new one's are the draft's own.
func (e *editor) reveal() tea.Cmd {
	if e.revealed != nil {
		e.revealed = nil
		return nil
	}
	t := e.d.in.Trigger
	if e.d.in.ID == "" {
		e.revealed = secretsText(t.Secrets)
		return nil
	}
	b, id, keys := e.c.Backend, e.d.in.ID, sampleKeys(t.Secrets)
	return func() tea.Msg {
		out := map[string]string{}
		for _, k := range keys {
			v, err := b.RevealSecret(id, k)
			if fail, _ := outcome(err); fail != nil {
				return revealedMsg{err: fail}
			}
			out[k] = v.Reveal()
		}
		return revealedMsg{secrets: out}
	}
}

// removeStepMsg removes a step after the user confirmed.
type removeStepMsg struct{ index int }

func (e *editor) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := e.c.Keys
	n := len(e.d.in.Steps)
	if op, ok := e.keyOp(msg); ok {
		if cmd := e.c.disabled(op); cmd != nil {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Up):
		e.cursor = max(e.cursor-1, 0)
	case key.Matches(msg, k.Down):
		e.cursor = min(e.cursor+1, n)
	case key.Matches(msg, k.Back):
		if e.d.dirty {
			e.confirm = ask(e.c, "Discard your unsaved changes?", pop, nil)
			return nil
		}
		return pop
	case key.Matches(msg, k.Runs):
		if e.d.in.ID != "" {
			return push(newRuns(e.c, e.d.in.ID, e.d.in.Name))
		}
	case key.Matches(msg, k.Trigger), key.Matches(msg, k.Enter) && e.cursor == 0:
		return push(newTriggerForm(e.c, e.d))
	case key.Matches(msg, k.Enter), key.Matches(msg, k.Edit):
		if e.cursor > 0 {
			return push(newMapping(e.c, e.d, e.cursor-1))
		}
	case key.Matches(msg, k.AddStep):
		return push(newActionPicker(e.c))
	case key.Matches(msg, k.MoveUp) && e.cursor > 1:
		i := e.cursor - 1
		e.d.in.Steps[i-1], e.d.in.Steps[i] = e.d.in.Steps[i], e.d.in.Steps[i-1]
		e.cursor--
		e.d.dirty = true
		return validate(e.c, e.d.in)
	case key.Matches(msg, k.MoveDown) && e.cursor > 0 && e.cursor < n:
		i := e.cursor - 1
		e.d.in.Steps[i+1], e.d.in.Steps[i] = e.d.in.Steps[i], e.d.in.Steps[i+1]
		e.cursor++
		e.d.dirty = true
		return validate(e.c, e.d.in)
	case key.Matches(msg, k.Delete) && e.cursor > 0:
		i := e.cursor - 1
		e.confirm = ask(e.c, fmt.Sprintf("Remove step %q? (kept until you save)", e.d.in.Steps[i].ID),
			func() tea.Msg { return removeStepMsg{i} }, nil)
	case key.Matches(msg, k.Test):
		return push(newTestRun(e.c, e.d))
	case key.Matches(msg, k.Save):
		return save(e.c, e.d.in)
	case key.Matches(msg, k.Toggle):
		if e.d.dirty {
			if e.saved.Enabled {
				return toast("Save or discard your changes first (ctrl+s saves), then switch it OFF")
			}
			return toast("Save your changes first (ctrl+s), then switch it ON")
		}
		return toggle(e.c, e.saved)
	case key.Matches(msg, k.Reveal):
		return e.reveal()
	case key.Matches(msg, k.RunNow):
		if e.d.in.ID == "" || e.d.dirty {
			return toast("Save first (ctrl+s): a run uses the saved integration")
		}
		return push(newRunNow(e.c, e.saved, e.d.sample))
	}
	return nil
}

func (e *editor) View() string {
	st := e.c.Styles
	state := st.Off.Render("OFF")
	if e.saved.Enabled {
		state = st.On.Render("ON")
	}
	top := st.Title.Render(e.d.in.Name) + "  " + state
	if e.d.dirty {
		top += "  " + st.WarnText.Render("● unsaved changes (ctrl+s saves)")
	}
	if editable, why := e.c.can(engine.OpEditIntegration); !editable {
		top += "  " + st.Faint.Render("("+why+")")
	}
	if e.d.in.Description != "" {
		top += "\n" + st.Faint.Render(truncate(e.d.in.Description, e.w))
	}
	leftW := min(max(e.w/3, 26), 40)
	rightW := max(e.w-leftW-3, 20)
	bodyH := max(e.h-lipgloss.Height(top)-3, 4)
	left := lipgloss.NewStyle().Width(leftW).Height(bodyH).MaxHeight(bodyH).Render(e.leftPane(leftW))
	right := lipgloss.NewStyle().Width(rightW).Height(bodyH).MaxHeight(bodyH).Render(e.rightPane(rightW))
	sep := lipgloss.NewStyle().Foreground(st.Subtle).Render(strings.Repeat("│\n", bodyH-1) + "│")
	out := top + "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", right)
	if e.confirm != nil {
		out += "\n" + e.confirm.View()
	}
	return out
}

func (e *editor) leftPane(w int) string {
	st := e.c.Styles
	line := func(i int, text string, bad bool) string {
		marker := "  "
		if i == e.cursor {
			marker = st.Cursor.Render("▸ ")
			text = st.Selected.Render(truncate(text, w-4))
		} else {
			text = truncate(text, w-4)
		}
		if bad {
			text += st.ErrorText.Render(" ✗")
		}
		return marker + text
	}
	var b strings.Builder
	b.WriteString(st.Label.Render("TRIGGER") + "\n")
	b.WriteString(line(0, triggerShort(e.d.in.Trigger.Type), len(problemsFor(e.problems, "trigger")) > 0) + "\n\n")
	b.WriteString(st.Label.Render("STEPS") + "\n")
	if len(e.d.in.Steps) == 0 {
		b.WriteString(st.Faint.Render("  none: + adds an action") + "\n")
	}
	for i, s := range e.d.in.Steps {
		bad := len(problemsFor(e.problems, fmt.Sprintf("steps[%d]", i))) > 0
		title, _ := actionTitle(s.Action)
		b.WriteString(line(i+1, fmt.Sprintf("%d. %s", i+1, s.ID), bad) + "\n")
		b.WriteString("     " + st.Faint.Render(truncate(title+" · "+s.Account, w-5)) + "\n")
	}
	b.WriteString("\n" + st.Faint.Render("+ add action"))
	return b.String()
}

// triggerShort names a trigger in a few words, for narrow panes.
func triggerShort(typ string) string {
	switch typ {
	case trigger.Webhook:
		return "Webhook call"
	case trigger.Kissflow:
		return "Kissflow item done"
	case trigger.HTTPPoll:
		return "New API item"
	case trigger.OktaEvent:
		return "Okta event"
	case trigger.CSV:
		return "New CSV row"
	case trigger.Manual:
		return "Run by hand"
	}
	return triggerTitle(typ)
}

func triggerTitle(typ string) string {
	if spec, ok := trigger.Lookup(typ); ok {
		return spec.Title
	}
	if typ == "" {
		return "not chosen"
	}
	return typ
}

func (e *editor) rightPane(w int) string {
	st := e.c.Styles
	var b strings.Builder
	kv := func(k, v string) { b.WriteString(st.Label.Render(pad(k, 14)) + truncate(v, w-14) + "\n") }
	if e.cursor == 0 {
		t := e.d.in.Trigger
		b.WriteString(st.Section.Render(triggerTitle(t.Type)) + "\n\n")
		if t.Type == trigger.Webhook && e.d.in.ID != "" {
			b.WriteString(st.Label.Render("Webhook URL") + "\n" + st.Code.Render(wrap("POST "+hookURL(e.c, e.d.in.ID), w)) + "\n\n")
		}
		keys := make([]string, 0, len(t.Config))
		for k := range t.Config {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, _ := trigger.LookupField(t.Type, k)
			kv(k, configText(f, t.Config[k]))
		}
		for _, k := range sampleKeys(t.Secrets) { // sorted: the order never changes between frames
			shown := t.Secrets[k].Mask() // a viewer's come masked already; Mask keeps them so
			if v, ok := e.revealed[k]; ok {
				shown = v
			} else if ok, _ := e.c.can(engine.OpRevealSecret); ok {
				shown += st.Faint.Render("  ctrl+v shows it")
			}
			kv(k, shown)
		}
		if t.Type == trigger.Webhook && e.d.in.ID != "" {
			secret := "<secret>"
			if ok, _ := e.c.can(engine.OpRevealSecret); ok {
				secret = "<secret: ctrl+v shows it>"
			}
			if v, ok := e.revealed["secret"]; ok {
				secret = v
			}
			body := `{"email":"ada@acme.com","first_name":"Ada","last_name":"Lovelace"}`
			if e.d.sample != nil {
				if raw, err := json.Marshal(e.d.sample); err == nil {
					body = string(raw)
				}
			}
			curl := "curl -X POST " + hookURL(e.c, e.d.in.ID) + " \\\n  -H 'Authorization: Bearer " + secret + "' \\\n  -H 'Content-Type: application/json' \\\n  -d '" + body + "'"
			b.WriteString("\n" + st.Label.Render("Try it") + "\n" + st.Faint.Render(curl) + "\n")
		}
		switch {
		case e.saved.Enabled && e.health.State == storage.HealthFailing:
			b.WriteString("\n" + st.WarnText.Render(wrap(healthLine(e.health), w)) + "\n")
		case e.saved.Enabled && !e.health.LastOKAt.IsZero():
			b.WriteString("\n" + st.OKText.Render("✓ polling: last worked "+ago(e.health.LastOKAt)) + "\n")
		}
		if t.Type == trigger.Manual {
			b.WriteString(st.Faint.Render(wrap("Runs when you say so: ctrl+g runs it now with an event you type (also from the list), or oktaflow integration run ID --event FILE.", w)) + "\n")
		}
		e.writeProblems(&b, "trigger", w)
		b.WriteString("\n" + st.Faint.Render("enter: edit the trigger"))
		return b.String()
	}
	i := e.cursor - 1
	s, ok := e.d.step(i)
	if !ok {
		return ""
	}
	title, _ := actionTitle(s.Action)
	b.WriteString(st.Section.Render(title) + st.Faint.Render("  "+s.Action) + "\n\n")
	kv("Step id", s.ID)
	kv("Account", s.Account)
	b.WriteString("\n" + st.Label.Render("FIELDS") + "\n")
	names := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		b.WriteString(st.Faint.Render("  nothing mapped yet") + "\n")
	}
	for _, n := range names {
		b.WriteString("  " + st.Bold.Render(pad(n, 14)) + " " + st.Code.Render(truncate(s.Fields[n], w-18)) + "\n")
	}
	if len(s.Options) > 0 {
		b.WriteString("\n" + st.Label.Render("OPTIONS") + "\n")
		for _, k := range sampleKeys(s.Options) {
			v := s.Options[k]
			b.WriteString("  " + pad(k, 14) + " " + fmt.Sprint(v) + "\n")
		}
	}
	if out, ok := e.d.outputs[s.ID]; ok {
		b.WriteString("\n" + st.Label.Render("LAST TEST OUTPUT") + "  " + st.OKText.Render(fmt.Sprint(out["outcome"])) + "\n")
	}
	e.writeProblems(&b, fmt.Sprintf("steps[%d]", i), w)
	b.WriteString("\n" + st.Faint.Render("enter: map fields · K/J: move · x: remove"))
	return b.String()
}

func (e *editor) writeProblems(b *strings.Builder, prefix string, w int) {
	probs := problemsFor(e.problems, prefix)
	if len(probs) == 0 {
		return
	}
	st := e.c.Styles
	b.WriteString("\n")
	for _, p := range probs {
		b.WriteString(st.ErrorText.Render("✗ "+truncate(p, w-2)) + "\n")
	}
}
