package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/tui/widget"
)

// Styles are built per program from its background (light or dark): over
// SSH each session has its own terminal, so nothing here is package-level.
// The widgets' styles are embedded (st.Faint, st.Section, ...); these add
// the app's frame.
type Styles struct {
	widget.Styles

	App        lipgloss.Style
	Brand      lipgloss.Style
	Crumb      lipgloss.Style
	ErrorBox   lipgloss.Style
	On, Off    lipgloss.Style
	Box        lipgloss.Style
	FocusedBox lipgloss.Style
	StatusBar  lipgloss.Style
	StatusKey  lipgloss.Style
}

// NewStyles builds the styles for a light or dark background. Colours are
// picked to keep contrast on both.
func NewStyles(isDark bool) *Styles {
	s := &Styles{Styles: widget.NewStyles(isDark)}
	s.App = lipgloss.NewStyle().Padding(0, 1)
	s.Brand = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Crumb = lipgloss.NewStyle().Foreground(s.Muted)
	s.ErrorBox = lipgloss.NewStyle().Foreground(s.Bad).Border(lipgloss.RoundedBorder()).BorderForeground(s.Bad).Padding(0, 1)
	s.On = lipgloss.NewStyle().Bold(true).Foreground(s.Good)
	s.Off = lipgloss.NewStyle().Foreground(s.Muted)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(s.Subtle).Padding(0, 1)
	s.FocusedBox = s.Box.BorderForeground(s.Accent)
	s.StatusBar = lipgloss.NewStyle().Foreground(s.Muted)
	s.StatusKey = lipgloss.NewStyle().Foreground(s.Accent)
	return s
}
