package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/tui/widget"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Short names for the widget package's text helpers, used on every screen.
var (
	truncate = widget.Truncate
	pad      = widget.Pad
	wrap     = widget.Wrap
)

// scrollViewport moves a viewport by the app's scroll keys and reports
// whether msg was one of them.
func scrollViewport(vp *viewport.Model, msg tea.KeyPressMsg, k KeyMap) bool {
	switch {
	case key.Matches(msg, k.Up):
		vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		vp.PageUp()
	case key.Matches(msg, k.PageDown):
		vp.PageDown()
	case key.Matches(msg, k.Home):
		vp.GotoTop()
	case key.Matches(msg, k.End):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}
