package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// wizard walks through a new integration in the order a person thinks of
// it: name → trigger → action → account → field mapping → test → save.
// Each stage opens its own screen; the wizard keeps the draft between them
// and shows where you are when you come back to it.
type wizard struct {
	c     *Common
	d     *draft
	stage wizardStage
	form  *widget.Form
	// name and description are what the first page's fields are bound to.
	name, description string
	action            string // picked, waiting for its account
	// adding: + on the review is adding another action; closing its
	// picker without a choice goes back to the review.
	adding bool
	// redo: the user stepped back to the action of the step just added,
	// or further (the trigger, the name); the next pick replaces that step
	// instead of adding another.
	redo     bool
	problems engine.Problems
	sel      int // the review's selected step
	checked  bool
	confirm  *widget.Confirm
	w, h     int
}

type wizardStage int

const (
	wzName wizardStage = iota
	wzTrigger
	wzAction
	wzAccount
	wzMapping
	wzTest
	wzReview
)

var wizardStages = []string{"Name", "Trigger", "Action", "Account", "Map fields", "Test", "Save"}

func newWizard(c *Common) *wizard {
	w := &wizard{c: c, d: newDraft(storage.Integration{})}
	w.buildNameForm(c.Width)
	return w
}

func (w *wizard) Init() tea.Cmd           { return nil }
func (w *wizard) Title() string           { return "New integration" }
func (w *wizard) Capturing() bool         { return w.stage == wzName || w.confirm != nil }
func (w *wizard) Prompt() *widget.Confirm { return w.confirm }
func (w *wizard) SetSize(width, h int) {
	w.w, w.h = width, h
	w.form.SetSize(width, max(h-4, 8))
}
func (w *wizard) FullHelp() [][]key.Binding {
	if w.stage != wzReview {
		return [][]key.Binding{w.ShortHelp()}
	}
	k := w.c.Keys
	return [][]key.Binding{
		{withHelp(k.Up, "previous step"), withHelp(k.Down, "next step"), withHelp(k.Edit, "map the step's fields"),
			k.MoveUp, k.MoveDown, withHelp(k.Delete, "remove the step"), k.AddStep},
		{withHelp(k.Enter, "save (OFF), or map the step with problems"), withHelp(k.Save, "save (OFF)"), withHelp(k.Test, "test"), withHelp(k.Back, "back to the test")},
	}
}
func (w *wizard) ShortHelp() []key.Binding {
	k := w.c.Keys
	switch w.stage {
	case wzName:
		return []key.Binding{k.Next, withHelp(k.Enter, "continue"), withHelp(k.Back, "cancel")}
	case wzReview:
		return []key.Binding{withHelp(k.Enter, "save"), k.AddStep, withHelp(k.Edit, "map fields"), withHelp(k.Test, "test"),
			withHelp(k.Delete, "remove step"), k.MoveUp, k.MoveDown, withHelp(k.Back, "back")}
	}
	return []key.Binding{withHelp(k.Enter, "continue"), withHelp(k.Back, "back")}
}

// next opens the screen of the current stage.
func (w *wizard) next() tea.Cmd {
	switch w.stage {
	case wzTrigger:
		return push(newTriggerForm(w.c, w.d))
	case wzAction:
		return push(newActionPicker(w.c))
	case wzAccount:
		id := w.action
		if id == "" && len(w.d.in.Steps) > 0 {
			id = w.d.in.Steps[len(w.d.in.Steps)-1].Action
		}
		return pickAccount(w.c, id)
	case wzMapping:
		w.d.next = "continue to the test"
		return push(newMapping(w.c, w.d, len(w.d.in.Steps)-1))
	case wzTest:
		w.d.next = "continue to the review"
		return push(newTestRun(w.c, w.d))
	case wzReview:
		return validate(w.c, w.d.in)
	}
	return nil
}

func (w *wizard) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if ok, cmd := answer(&w.confirm, msg); ok {
		return w, cmd
	}
	switch msg := msg.(type) {
	case triggerDoneMsg:
		w.stage = wzAction
		return w, w.next()
	case actionPickedMsg:
		w.action = msg.id
		w.stage = wzAccount
		return w, w.next()
	case accountPickedMsg:
		n := len(w.d.in.Steps)
		switch {
		case w.redo && n > 0: // replace the step just added
			last := &w.d.in.Steps[n-1]
			if w.action != "" && w.action != last.Action {
				w.d.in.Steps = w.d.in.Steps[:n-1]
				addStep(w.d, w.action, msg.name)
			} else {
				last.Account = msg.name
			}
		case w.action != "":
			addStep(w.d, w.action, msg.name)
		case n > 0:
			w.d.in.Steps[n-1].Account = msg.name
		}
		w.action, w.redo, w.adding = "", false, false
		w.stage = wzMapping
		return w, w.next()
	case dataChangedMsg:
		// A stage screen closed without a result (esc), or mapping/test are done.
		switch w.stage {
		case wzMapping:
			w.d.next = ""
			w.stage = wzTest
			return w, w.next()
		case wzTest:
			w.d.next = ""
			w.stage = wzReview
			return w, w.next()
		case wzReview:
			return w, validate(w.c, w.d.in)
		case wzAction, wzAccount:
			if w.adding { // + was pressed, then the picker was closed: back to the review
				w.adding, w.action, w.stage = false, "", wzReview
				return w, validate(w.c, w.d.in)
			}
		}
		return w, nil
	case validatedMsg:
		w.problems, w.checked = msg.problems, true
		return w, nil
	case removeStepMsg:
		if msg.index < len(w.d.in.Steps) {
			w.d.in.Steps = append(w.d.in.Steps[:msg.index:msg.index], w.d.in.Steps[msg.index+1:]...)
			w.sel = min(w.sel, max(len(w.d.in.Steps)-1, 0))
		}
		return w, validate(w.c, w.d.in)
	case savedMsg:
		if msg.err != nil {
			return w, func() tea.Msg { return errMsg{msg.err} }
		}
		w.d.dirty = false
		saved := msg.in
		w.d.in = saved
		// The editor keeps the sample and test outputs: nothing typed is lost.
		ed := newEditor(w.c, saved)
		ed.d.sample, ed.d.sampleSource, ed.d.starter, ed.d.outputs = w.d.sample, w.d.sampleSource, w.d.starter, w.d.outputs
		w.confirm = ask(w.c, fmt.Sprintf("Saved %q (OFF). Switch it ON now?", saved.Name),
			tea.Sequence(replace(ed), toggle(w.c, saved)), replace(ed))
		return w, tea.Batch(toast(savedNote(msg)), warnCmd(msg.warn))
	case tea.KeyPressMsg:
		return w, w.onKey(msg)
	}
	if w.stage == wzName {
		return w, w.updateName(msg)
	}
	return w, nil
}

// buildNameForm is the first page: a name (required, as saving requires
// it) and a description; the line under each says what it will read as.
func (w *wizard) buildNameForm(width int) {
	st := w.c.Styles.Styles
	w.form = widget.NewForm(st, width, 12, huh.NewGroup(
		widget.NewTextField(st, "Name", &w.name).Key("name").Placeholder("Onboard new hires").
			Note(func(v string) (string, bool) {
				if strings.TrimSpace(v) == "" {
					return "required: how the list, the runs and the audit log will call it", false
				}
				return "listed as “" + strings.TrimSpace(v) + "”", false
			}).
			Validate(func(v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("give it a name, e.g. Onboard new hires")
				}
				return nil
			}),
		widget.NewTextField(st, "Description", &w.description).Key("description").
			Note(func(v string) (string, bool) {
				if strings.TrimSpace(v) == "" {
					return "optional: what it does, for your colleagues (shown under the name in the editor)", false
				}
				return plural(len([]rune(strings.TrimSpace(v))), "character", "characters") + " · shown under the name in the editor", false
			}),
	))
	w.form.Init()
}

// updateName passes msg to the first page; once it is submitted (enter on
// the description) the wizard moves on to the trigger.
func (w *wizard) updateName(msg tea.Msg) tea.Cmd {
	if !forForm(msg) {
		return nil
	}
	cmd := w.form.Update(msg)
	if !w.form.Done() {
		return cmd
	}
	w.buildNameForm(w.w) // ready for coming back to this page
	w.d.in.Name, w.d.in.Description = strings.TrimSpace(w.name), strings.TrimSpace(w.description)
	w.d.dirty = true
	w.stage = wzTrigger
	return tea.Batch(cmd, w.next())
}

func (w *wizard) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := w.c.Keys
	switch w.stage {
	case wzName:
		switch {
		case key.Matches(msg, k.Back):
			return w.leave()
		}
		return w.updateName(msg)
	case wzReview:
		n := len(w.d.in.Steps)
		switch {
		case key.Matches(msg, k.Save):
			return save(w.c, w.d.in)
		case key.Matches(msg, k.Up):
			w.sel = max(w.sel-1, 0)
		case key.Matches(msg, k.Down):
			w.sel = min(w.sel+1, max(n-1, 0))
		case key.Matches(msg, k.MoveUp) && w.sel > 0 && w.sel < n:
			w.d.in.Steps[w.sel-1], w.d.in.Steps[w.sel] = w.d.in.Steps[w.sel], w.d.in.Steps[w.sel-1]
			w.sel--
			return validate(w.c, w.d.in)
		case key.Matches(msg, k.MoveDown) && w.sel < n-1:
			w.d.in.Steps[w.sel+1], w.d.in.Steps[w.sel] = w.d.in.Steps[w.sel], w.d.in.Steps[w.sel+1]
			w.sel++
			return validate(w.c, w.d.in)
		case key.Matches(msg, k.Delete) && w.sel < n:
			i := w.sel
			w.confirm = ask(w.c, fmt.Sprintf("Remove step %d · %s?", i+1, w.d.in.Steps[i].ID),
				func() tea.Msg { return removeStepMsg{i} }, nil)
		case key.Matches(msg, k.Edit):
			return push(newMapping(w.c, w.d, min(w.sel, max(n-1, 0))))
		case key.Matches(msg, k.Enter) && len(w.problems) == 0: // go on, as on every stage
			return save(w.c, w.d.in)
		case key.Matches(msg, k.Enter) && n > 0: // the problems are fixed in the mapping
			return push(newMapping(w.c, w.d, min(w.sel, n-1)))
		case key.Matches(msg, k.Test):
			return push(newTestRun(w.c, w.d))
		case key.Matches(msg, k.AddStep): // another action after this one
			w.stage, w.adding, w.redo = wzAction, true, false
			return w.next()
		case key.Matches(msg, k.Back):
			w.stage = wzTest
			return nil
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Enter):
		return w.next()
	case key.Matches(msg, k.Back):
		w.stage = max(w.stage-1, wzName)
		if w.stage == wzAccount { // the step exists: go back to picking the action
			w.stage = wzAction
		}
		// Back at (or before) the action of a step already added: going
		// forward again picks that step's action anew, so the pick replaces
		// it, whichever stage esc lands on.
		w.redo = w.stage <= wzAction && len(w.d.in.Steps) > 0 && !w.adding
		return nil
	}
	return nil
}

// leave closes the wizard, asking first when something would be lost.
func (w *wizard) leave() tea.Cmd {
	if !w.d.dirty && strings.TrimSpace(w.name) == "" {
		return pop
	}
	w.confirm = ask(w.c, "Discard this new integration? Nothing was saved.", pop, nil)
	return nil
}

func (w *wizard) View() string {
	st := w.c.Styles
	var b strings.Builder
	// progress: ● done, ▸ current, ○ to do
	var steps []string
	for i, name := range wizardStages {
		switch {
		case wizardStage(i) < w.stage && !w.stageDone(wizardStage(i)):
			steps = append(steps, st.WarnText.Render("◐ "+name))
		case wizardStage(i) < w.stage:
			steps = append(steps, st.OKText.Render("● "+name))
		case wizardStage(i) == w.stage:
			steps = append(steps, st.Selected.Render("▸ "+name))
		default:
			steps = append(steps, st.Faint.Render("○ "+name))
		}
	}
	b.WriteString(truncate(strings.Join(steps, st.Faint.Render("  ")), w.w) + "\n\n")
	switch w.stage {
	case wzName:
		b.WriteString(st.Section.Render("Name your integration") + "\n\n" + w.form.View())
	case wzReview:
		b.WriteString(w.review())
	default:
		b.WriteString(w.summary())
		b.WriteString("\n" + st.Faint.Render("enter: continue with "+strings.ToLower(wizardStages[w.stage])+" · esc: back"))
	}
	return b.String()
}

// triggerSettings is a trigger's settings that were given, in its form's
// order, as "path hires.csv · key_column id" (secrets never).
func triggerSettings(t storage.Trigger) string {
	spec, ok := trigger.Lookup(t.Type)
	if !ok {
		return ""
	}
	var parts []string
	for _, f := range spec.Fields {
		if text := configText(f, t.Config[f.Key]); text != "" && !f.Secret {
			parts = append(parts, f.Key+" "+text)
		}
	}
	return strings.Join(parts, " · ")
}

// summary is what the draft holds so far.
func (w *wizard) summary() string {
	st := w.c.Styles
	var b strings.Builder
	b.WriteString(st.Label.Render("Name     ") + st.Bold.Render(w.d.in.Name) + "\n")
	trig := st.Faint.Render("not chosen")
	if w.d.in.Trigger.Type != "" {
		trig = w.d.in.Trigger.Type
		if set := triggerSettings(w.d.in.Trigger); set != "" { // the path or URL, to catch a typo here
			trig += st.Faint.Render(" · " + set)
		}
	}
	b.WriteString(truncate(st.Label.Render("Trigger  ")+trig, max(w.w, 20)) + "\n")
	if len(w.d.in.Steps) == 0 {
		b.WriteString(st.Label.Render("Steps    ") + st.Faint.Render("none yet") + "\n")
	}
	for i, s := range w.d.in.Steps {
		line := stepLine(s)
		if w.stage == wzReview && i == w.sel { // the review's cursor: e maps it, K/J move it, x removes it
			line = st.Selected.Render(line)
		}
		b.WriteString(st.Label.Render(fmt.Sprintf("Step %d   ", i+1)) + line + st.Faint.Render("  ("+plural(len(s.Fields), "field", "fields")+" mapped)") + "\n")
	}
	return b.String()
}

func (w *wizard) review() string {
	st := w.c.Styles
	var b strings.Builder
	b.WriteString(st.Section.Render("Review and save") + "\n\n" + w.summary() + "\n")
	switch {
	case !w.checked:
		b.WriteString(st.Faint.Render("Checking…"))
	case len(w.problems) == 0:
		b.WriteString(st.OKText.Render("✓ Ready to save:") + " " + st.Faint.Render("enter saves it, OFF; you can switch it ON right after."))
	default:
		b.WriteString(st.ErrorText.Render(plural(len(w.problems), "problem", "problems")+" to fix before it can be saved:") + "\n")
		// Each problem wrapped in full; those that do not fit above the
		// hint are counted (the progress line and its gap take 2 lines).
		room := max(w.h-2-strings.Count(b.String(), "\n")-1, 2)
		for i, p := range w.problems {
			lines := strings.Split(strings.TrimRight(wrap("✗ "+problemText(w.d.in, p), max(w.w-4, 20)), " \n"), "\n")
			if left := len(w.problems) - i; len(lines) > room || (left > 1 && len(lines) == room) {
				b.WriteString(st.Faint.Render(fmt.Sprintf("  … and %d more", left)) + "\n")
				break
			}
			room -= len(lines)
			for j, l := range lines {
				l = strings.TrimRight(l, " ")
				if j == 0 {
					b.WriteString("  " + st.ErrorText.Render("✗") + strings.TrimPrefix(l, "✗") + "\n")
				} else {
					b.WriteString("    " + l + "\n")
				}
			}
		}
		b.WriteString(st.Faint.Render(truncate("↑/↓ a step · e: map its fields · K/J: move it · x: remove it · ctrl+t: test", w.w)))
	}
	return b.String()
}

// stageDone reports whether a passed stage really produced something: a
// mapping with fields, a test that ran (a skipped one shows half-done).
func (w *wizard) stageDone(st wizardStage) bool {
	switch st {
	case wzMapping:
		for _, s := range w.d.in.Steps {
			if len(s.Fields) > 0 {
				return true
			}
		}
		return false
	case wzTest:
		return len(w.d.outputs) > 0
	}
	return true
}
