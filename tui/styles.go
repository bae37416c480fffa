package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are built per program from its background (light or dark): over
// SSH each session has its own terminal, so nothing here is package-level.
type Styles struct {
	IsDark bool

	Accent, Muted, Subtle, Text, Good, Bad, Warn, Info color.Color

	App        lipgloss.Style
	Header     lipgloss.Style
	Brand      lipgloss.Style
	Crumb      lipgloss.Style
	Title      lipgloss.Style
	Section    lipgloss.Style
	Label      lipgloss.Style
	Help       lipgloss.Style
	Faint      lipgloss.Style
	Bold       lipgloss.Style
	Selected   lipgloss.Style
	Cursor     lipgloss.Style
	ErrorText  lipgloss.Style
	ErrorBox   lipgloss.Style
	OKText     lipgloss.Style
	WarnText   lipgloss.Style
	On, Off    lipgloss.Style
	Badge      lipgloss.Style
	Box        lipgloss.Style
	FocusedBox lipgloss.Style
	StatusBar  lipgloss.Style
	StatusKey  lipgloss.Style
	Input      lipgloss.Style
	Required   lipgloss.Style
	Code       lipgloss.Style

	JSONKey, JSONString, JSONNumber, JSONBool, JSONNull, JSONPunct lipgloss.Style
}

// NewStyles builds the styles for a light or dark background. Colours are
// picked to keep contrast on both.
func NewStyles(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	s := &Styles{
		IsDark: isDark,
		Accent: ld(lipgloss.Color("#5A3FD1"), lipgloss.Color("#A594FF")),
		Muted:  ld(lipgloss.Color("#6B6B76"), lipgloss.Color("#9A9AA6")),
		Subtle: ld(lipgloss.Color("#D9D9E0"), lipgloss.Color("#3A3A44")),
		Text:   ld(lipgloss.Color("#1E1E24"), lipgloss.Color("#E8E8EE")),
		Good:   ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#56D364")),
		Bad:    ld(lipgloss.Color("#C62828"), lipgloss.Color("#FF7B72")),
		Warn:   ld(lipgloss.Color("#9A6700"), lipgloss.Color("#E3B341")),
		Info:   ld(lipgloss.Color("#0969DA"), lipgloss.Color("#79C0FF")),
	}
	base := lipgloss.NewStyle().Foreground(s.Text)
	s.App = lipgloss.NewStyle().Padding(0, 1)
	s.Header = lipgloss.NewStyle().Foreground(s.Muted)
	s.Brand = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Crumb = lipgloss.NewStyle().Foreground(s.Muted)
	s.Title = base.Bold(true)
	s.Section = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Label = lipgloss.NewStyle().Foreground(s.Muted)
	s.Help = lipgloss.NewStyle().Foreground(s.Muted)
	s.Faint = lipgloss.NewStyle().Foreground(s.Muted)
	s.Bold = base.Bold(true)
	s.Selected = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Cursor = lipgloss.NewStyle().Foreground(s.Accent).Bold(true)
	s.ErrorText = lipgloss.NewStyle().Foreground(s.Bad)
	s.ErrorBox = lipgloss.NewStyle().Foreground(s.Bad).Border(lipgloss.RoundedBorder()).BorderForeground(s.Bad).Padding(0, 1)
	s.OKText = lipgloss.NewStyle().Foreground(s.Good)
	s.WarnText = lipgloss.NewStyle().Foreground(s.Warn)
	s.On = lipgloss.NewStyle().Bold(true).Foreground(s.Good)
	s.Off = lipgloss.NewStyle().Foreground(s.Muted)
	s.Badge = lipgloss.NewStyle().Foreground(s.Accent)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(s.Subtle).Padding(0, 1)
	s.FocusedBox = s.Box.BorderForeground(s.Accent)
	s.StatusBar = lipgloss.NewStyle().Foreground(s.Muted)
	s.StatusKey = lipgloss.NewStyle().Foreground(s.Accent)
	s.Input = base
	s.Required = lipgloss.NewStyle().Foreground(s.Bad).Bold(true)
	s.Code = lipgloss.NewStyle().Foreground(s.Info)
	s.JSONKey = lipgloss.NewStyle().Foreground(s.Accent)
	s.JSONString = lipgloss.NewStyle().Foreground(s.Good)
	s.JSONNumber = lipgloss.NewStyle().Foreground(s.Info)
	s.JSONBool = lipgloss.NewStyle().Foreground(s.Warn)
	s.JSONNull = lipgloss.NewStyle().Foreground(s.Muted)
	s.JSONPunct = lipgloss.NewStyle().Foreground(s.Muted)
	return s
}
