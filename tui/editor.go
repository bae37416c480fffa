package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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
	health   storage.TriggerHealth // how the trigger's polls go, and what it skipped or waits for
	w, h     int
}

func newEditor(c *Common, in storage.Integration) *editor {
	return &editor{c: c, d: newDraft(in), saved: in}
}

func (e *editor) Init() tea.Cmd {
	return tea.Batch(validate(e.c, e.d.in), e.loadHealth(), e.loadSample())
}

// editorSampleMsg is the latest event of a saved webhook or manual
// integration: the curl command sends it, the mapping suggests from it.
type editorSampleMsg struct {
	sample  map[string]any
	starter bool
}

// loadSample reads that event when the draft has no sample of its own (a
// trigger that has never been called has none: nothing to say then).
func (e *editor) loadSample() tea.Cmd {
	spec, ok := trigger.Lookup(e.d.in.Trigger.Type)
	if !ok || !spec.Push || e.d.in.ID == "" || (e.d.sample != nil && !e.d.starter) {
		return nil
	}
	b, ctx, in := e.c.Backend, e.c.Ctx, cloneIntegration(e.d.in)
	return func() tea.Msg {
		ev, err := b.Sample(ctx, in)
		if err != nil { // not called yet: an example of the trigger's events stands in
			return editorSampleMsg{sample: b.StarterSample(in.Trigger), starter: true}
		}
		return editorSampleMsg{sample: ev}
	}
}

// healthMsg carries the trigger's health, with what it skipped.
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
func (e *editor) Title() string           { return e.d.in.Name }
func (e *editor) Capturing() bool         { return e.confirm != nil }
func (e *editor) Prompt() *widget.Confirm { return e.confirm }
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
		{k.CopyURL, k.CopyCurl, k.CopySecret},
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
		return e, tea.Batch(toast(toggledNote(msg)), warnCmd(warn))
	case toggleAskMsg: // OFF would cancel waiting runs (toggle.go)
		e.confirm = askSwitchOff(e.c, msg.in)
		return e, nil
	case editorSampleMsg:
		switch {
		case msg.sample == nil:
		case msg.starter && e.d.sample == nil:
			e.d.setStarter(msg.sample)
		case !msg.starter && (e.d.sample == nil || e.d.starter):
			e.d.sample, e.d.sampleSource, e.d.starter = msg.sample, "the trigger's latest event", false
		}
		return e, nil
	case copiedMsg:
		return e, onCopied(msg)
	case healthMsg:
		e.health = msg.h
		return e, nil
	case engineEventMsg:
		if msg.ev.Kind == engine.TriggerHealthChanged && msg.ev.IntegrationID == e.d.in.ID && msg.ev.Health != nil {
			e.health = *msg.ev.Health // as it happens, warnings included
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
	if cmd, ok := e.copyKey(msg); ok {
		return cmd
	}
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
		return switchOnOff(e.c, e.saved)
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
