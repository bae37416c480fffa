package widget

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Confirm is a yes/no question (a huh Confirm) asked before something that
// cannot be undone or that acts on a real org: y or enter on Yes runs yes;
// n, esc or enter on No runs no. No is the default.
type Confirm struct {
	st       Styles
	form     *huh.Form
	answer   bool
	question string
	width    int
	yes, no  tea.Cmd
	back     key.Binding
}

// NewConfirm asks question; yes (and no, optional) run on the answer.
// back (esc) answers no.
func NewConfirm(st Styles, back key.Binding, question string, yes, no tea.Cmd) *Confirm {
	c := &Confirm{st: st, question: question, yes: yes, no: no, back: back, width: 80}
	c.build()
	return c
}

// build makes the form for the current width: huh sizes a group's view
// when it starts, so a new width needs a new form.
func (c *Confirm) build() {
	// On one line when it fits beside its buttons; else the buttons go below.
	inline := lipgloss.Width(c.question)+16 <= c.width
	title := c.question
	if inline {
		title += " "
	} else {
		// Wrapped here at spaces only: huh's own wrap also breaks after
		// ",.-;" and then leaves the rest of such a line on a line of its
		// own ("… are\ncancelled;\nsteps …"); lines that fit it keeps.
		title = lipgloss.Wrap(title, c.width, " ")
	}
	c.form = huh.NewForm(huh.NewGroup(
		huh.NewConfirm().Title(title).Affirmative("Yes").Negative("No").Inline(inline).
			WithButtonAlignment(lipgloss.Left).Value(&c.answer),
	)).WithTheme(Theme(c.st, false)).WithShowHelp(false).WithKeyMap(KeyMap()).WithWidth(c.width)
	c.form.Init()
	fit(c.form, c.width, 100)
}

// Question is what is asked.
func (c *Confirm) Question() string { return c.question }

// SetWidth wraps the question to w.
func (c *Confirm) SetWidth(w int) {
	if w = max(w, 20); w != c.width {
		c.width = w
		c.build()
	}
}

// Update answers from a key (or huh's own messages) and reports whether
// the question is closed, with the command of the answer.
func (c *Confirm) Update(msg tea.Msg) (closed bool, cmd tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, c.back) {
		return true, c.no
	}
	m, cmd := c.form.Update(msg)
	if f, ok := m.(*huh.Form); ok {
		c.form = f
	}
	switch c.form.State {
	case huh.StateCompleted:
		if c.answer {
			return true, c.yes
		}
		return true, c.no
	case huh.StateAborted:
		return true, c.no
	}
	return false, cmd
}

// View is the question with its buttons.
func (c *Confirm) View() string { return c.form.View() }
