package tui

import (
	"reflect"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/tui/widget"
)

// ask builds a yes/no question (a huh Confirm in the app's theme): yes runs
// on y or Yes, no (optional) on n, esc or No.
func ask(c *Common, question string, yes, no tea.Cmd) *widget.Confirm {
	q := widget.NewConfirm(c.Styles.Styles, c.Keys.Back, question, yes, no)
	q.SetWidth(c.Width)
	return q
}

// answer gives msg to the open question *q, if any. It reports whether msg
// was for it (a key, or one of huh's own messages) and clears *q once the
// question is answered.
func answer(q **widget.Confirm, msg tea.Msg) (bool, tea.Cmd) {
	if *q == nil || !forForm(msg) {
		return false, nil
	}
	closed, cmd := (*q).Update(msg)
	if closed {
		*q = nil
	}
	return true, cmd
}

// huhPkg is the package of huh's internal messages (next field, next
// group, ...), which an embedded form must get back.
var huhPkg = reflect.TypeFor[widget.Form]().Field(0).Type.Elem().PkgPath()

// forForm reports whether msg belongs to an open form or question: a key,
// a paste, or huh's own message.
func forForm(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		return true
	}
	t := reflect.TypeOf(msg)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.PkgPath() == huhPkg
}
