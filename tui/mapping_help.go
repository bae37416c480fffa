package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
)

// The mapping screen's keys for the footer and ?, and the mapping language
// in a few lines.

func (s *mappingScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.groups != nil {
		return []key.Binding{key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose")),
			withHelp(k.Enter, "pick"), withHelp(k.Back, "cancel")}
	}
	if s.editing {
		return []key.Binding{withHelp(k.Enter, "save"), withHelp(k.Back, "cancel"), k.Insert,
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose suggestion"))}
	}
	move := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move"))
	if ok, _ := s.c.can(engine.OpEditIntegration); !ok {
		return []key.Binding{move, k.Back}
	}
	out := []key.Binding{move}
	if _, ok := s.selectedOption(); ok {
		out = append(out, withHelp(k.Toggle, "change option"))
	} else {
		out = append(out, withHelp(k.Enter, "edit"), withHelp(k.Delete, "clear"))
		if r, ok := s.selectedRow(); ok && r.f.Pick != action.PickNone {
			out = append(out, withHelp(k.PickGroup, "pick group"))
		}
	}
	back := withHelp(k.Back, "back")
	if s.d.next != "" {
		back = withHelp(k.Back, s.d.next)
	}
	return append(out, k.Refresh, back)
}

func (s *mappingScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{withHelp(k.Enter, "edit field / change option"), withHelp(k.Toggle, "change option"), withHelp(k.Delete, "clear mapping"),
			k.PickGroup, k.Refresh, k.Sample, withHelp(k.Reveal, "reveal password"), k.Back},
		{withHelp(k.Enter, "save (while editing)"), withHelp(k.Back, "cancel edit"), k.Insert,
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose suggestion"))},
	}
}

// errorCount is how many mappings fail to compile now.
func (s *mappingScreen) errorCount() int {
	n := 0
	for _, err := range s.errs {
		if err != nil {
			n++
		}
	}
	return n
}

// HelpNote is the mapping language, in a few lines.
func (s *mappingScreen) HelpNote() []string {
	st := s.c.Styles
	row := func(src, what string) string { return "  " + st.Code.Render(pad(src, 42)) + st.Faint.Render(what) }
	return []string{
		st.Section.Render("Mapping a field"),
		row("Ada", "plain text, sent as typed"),
		row("{{ trigger.email }}", "a value of the trigger's event"),
		row("{{ steps.find.id }}", "an earlier step's output"),
		row(`{{ trigger.dept ?? "Engineering" }}`, "a default when the value is missing"),
		row(`{{ lower(trigger.email) }}  upper, trim`, "functions"),
		row(`{{ trigger.first + " " + trigger.last }}`, "join values"),
		st.Faint.Render("  typing in a field shows what it gives for the sample; tab inserts a suggestion"),
	}
}
