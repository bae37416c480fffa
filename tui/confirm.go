package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// confirmation is a yes/no question a screen shows before doing something
// that cannot be undone or that acts on a real org.
type confirmation struct {
	question string
	yes      tea.Cmd
	no       tea.Cmd // optional
}

// handle answers the question from a key: y runs yes, n or esc cancels.
// It reports whether the question is closed.
func (q *confirmation) handle(msg tea.KeyPressMsg, k KeyMap) (closed bool, cmd tea.Cmd) {
	switch {
	case key.Matches(msg, k.Yes):
		return true, q.yes
	case key.Matches(msg, k.No):
		return true, q.no
	}
	return false, nil
}

func (q *confirmation) view(st *Styles) string {
	return st.WarnText.Render("? "+q.question) + st.Faint.Render("  [y] yes  [n] no")
}
