package tui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// The group picker: a field whose action says it names an Okta group
// (action.Field.Pick) can take the group from a list of the account's
// groups by name instead of a typed id. Typing narrows the list by name
// prefix at once, and asks the org for that prefix a moment after the last
// key (an org has more groups than one answer holds). Enter puts the
// group's id (or exact name) in the field, or in the input being edited.

// groupPicker is the open picker.
type groupPicker struct {
	field   action.Field
	picker  *widget.Picker
	seq     int    // the latest query asked; older answers are dropped
	asked   string // the query of the answer shown
	loading bool
	err     error
}

// groupQueryDelay is how long typing pauses before the org is asked.
const groupQueryDelay = 200 * time.Millisecond

// groupsMsg carries the org's answer for a query.
type groupsMsg struct {
	seq    int
	query  string
	groups []engine.GroupChoice
	err    error
}

// groupQueryMsg says that typing paused: ask for query seq.
type groupQueryMsg struct{ seq int }

// openGroups opens the picker for the selected field.
func (s *mappingScreen) openGroups() tea.Cmd {
	row, ok := s.selectedRow()
	if !ok || row.f.Pick == action.PickNone {
		return toast("ctrl+o picks a group for a group field (such as groupIds); this field is typed")
	}
	if cmd := s.c.disabled(engine.OpEditIntegration); cmd != nil {
		return cmd
	}
	if s.account == nil {
		return toast("Pick the step's Okta account first: the groups are the account's")
	}
	s.groups = &groupPicker{field: row.f, picker: widget.NewPrefixPicker(s.c.Styles.Styles, s.c.Keys.List(), nil)}
	s.layoutGroups()
	return s.askGroups()
}

// askGroups asks the org for the groups whose name starts with the query.
func (s *mappingScreen) askGroups() tea.Cmd {
	g := s.groups
	g.seq++
	g.loading = true
	b, ctx, acct, seq, q := s.c.Backend, s.c.Ctx, s.account.ID, g.seq, g.picker.Query()
	return func() tea.Msg {
		list, err := b.Groups(ctx, acct, q)
		return groupsMsg{seq: seq, query: q, groups: list, err: err}
	}
}

// updateGroups handles a message while the picker is open; ok is false
// for messages it leaves to the screen.
func (s *mappingScreen) updateGroups(msg tea.Msg) (tea.Cmd, bool) {
	g := s.groups
	switch msg := msg.(type) {
	case groupsMsg:
		if msg.seq != g.seq {
			return nil, true // typing went on: a newer answer is coming
		}
		g.loading, g.err, g.asked = false, msg.err, msg.query
		if msg.err == nil {
			items := make([]widget.Item, len(msg.groups))
			for i, gr := range msg.groups {
				items[i] = widget.Item{Title: gr.Name, Desc: strings.TrimSpace(gr.ID + " · " + gr.Description), Value: gr}
			}
			g.picker.SetItems(items)
		}
		return nil, true
	case groupQueryMsg:
		if msg.seq != g.seq {
			return nil, true
		}
		return s.askGroups(), true
	case tea.KeyPressMsg:
		k := s.c.Keys
		switch {
		case key.Matches(msg, k.Back):
			s.groups = nil
			return nil, true
		case key.Matches(msg, k.Enter):
			item, ok := g.picker.Selected()
			if !ok {
				return nil, true
			}
			s.groups = nil
			return s.pickGroup(g.field, item.Value.(engine.GroupChoice)), true
		}
		before := g.picker.Query()
		cmd := g.picker.Update(msg)
		if g.picker.Query() == before {
			return cmd, true
		}
		g.seq++ // what is shown narrows now; the org is asked when typing pauses
		seq := g.seq
		return tea.Batch(cmd, tea.Tick(groupQueryDelay, func(time.Time) tea.Msg { return groupQueryMsg{seq} })), true
	}
	return nil, false
}

// pickGroup puts the group in the field (or the input being edited): its
// id or exact name, as the field takes; an array field gains it in its
// list.
func (s *mappingScreen) pickGroup(f action.Field, g engine.GroupChoice) tea.Cmd {
	st := s.stepRef()
	if st == nil {
		return nil
	}
	cur := st.Fields[f.Name]
	if s.editing {
		cur = s.input.Value()
	}
	v := groupValue(f, cur, g)
	if s.editing {
		s.input.SetValue(v)
	} else {
		s.save(v)
	}
	return toast("Picked " + g.Name + " for " + f.Name)
}

// groupValue is a field's value with group g picked: its exact name, or its
// id; for an array field, added to the ids already listed (a template is
// replaced: a list cannot be joined to it).
func groupValue(f action.Field, cur string, g engine.GroupChoice) string {
	if f.Pick == action.PickGroupName {
		return g.Name
	}
	if f.Type != action.TypeArray || strings.TrimSpace(cur) == "" || !isLiteral(cur) {
		return g.ID
	}
	var ids []string
	for _, id := range strings.Split(cur, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if !slices.Contains(ids, g.ID) {
		ids = append(ids, g.ID)
	}
	return strings.Join(ids, ", ")
}

// layoutGroups sizes the picker to the panel.
func (s *mappingScreen) layoutGroups() {
	if s.groups == nil {
		return
	}
	_, panel := s.widths()
	h := max(min(s.h/2, 12), 5)
	if s.wide() {
		h = max(s.h-len(s.headLines())-4, 5)
	}
	s.groups.picker.SetSize(panel, h)
}

// groupLines draw the picker in the panel.
func (s *mappingScreen) groupLines(w int) []string {
	st, g := s.c.Styles, s.groups
	what := "its id goes in"
	if g.field.Pick == action.PickGroupName {
		what = "its exact name goes in"
	} else if g.field.Type == action.TypeArray {
		what = "its id joins the list in"
	}
	out := []string{truncate(st.Section.Render("Pick a group")+st.Faint.Render(" · "+what+" "+g.field.Name+" · account "+s.account.Name), w)}
	out = append(out, strings.Split(g.picker.View(), "\n")...)
	switch {
	case g.err != nil:
		out = append(out, st.ErrorText.Render(truncate("✗ "+g.err.Error(), w)))
	case g.loading:
		out = append(out, st.Faint.Render(truncate("asking the org for the groups named "+quoteOr(g.picker.Query(), "anything")+"…", w)))
	default:
		out = append(out, st.Faint.Render(truncate("type the start of a name · ↑/↓ choose · enter picks · esc cancels", w)))
	}
	return out
}

func quoteOr(s, none string) string {
	if s == "" {
		return none
	}
	return `"` + s + `…"`
}
