package widget

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Truncate cuts a (styled) line to width cells, with an ellipsis.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// Pad right-pads a string to width cells, truncating when longer.
func Pad(s string, width int) string {
	s = Truncate(s, width)
	return s + strings.Repeat(" ", max(width-lipgloss.Width(s), 0))
}

// Wrap word-wraps plain text to width (at least 10).
func Wrap(s string, width int) string {
	return lipgloss.NewStyle().Width(max(width, 10)).Render(s)
}

// only is b restricted to one of its keys (so that letters can be typed).
func only(b key.Binding, k string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(b.Help().Key, b.Help().Desc))
}
