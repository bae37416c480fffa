package widget

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are the colours and text styles widgets draw with. They are built
// per program from its terminal's background (light or dark): over SSH each
// session has its own, so nothing here is package-level.
type Styles struct {
	IsDark bool

	// Accent marks what is selected; OnAccent is text drawn on it.
	Accent, OnAccent, Muted, Subtle, Text, Good, Bad, Warn, Info color.Color

	Title, Section, Label, Faint, Bold, Selected, Cursor      lipgloss.Style
	ErrorText, WarnText, OKText, Code, Input, Required, Badge lipgloss.Style

	JSONKey, JSONString, JSONNumber, JSONBool, JSONNull, JSONPunct lipgloss.Style
}

// NewStyles builds the styles for a light or dark background. Every text
// colour keeps at least 4.5:1 contrast (WCAG AA) on a white or black
// terminal (see TestStylesContrast).
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	s := Styles{
		IsDark:   isDark,
		Accent:   ld(lipgloss.Color("#5A3FD1"), lipgloss.Color("#A594FF")),
		OnAccent: ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#14141A")),
		Muted:    ld(lipgloss.Color("#6B6B76"), lipgloss.Color("#9A9AA6")),
		Subtle:   ld(lipgloss.Color("#D9D9E0"), lipgloss.Color("#3A3A44")),
		Text:     ld(lipgloss.Color("#1E1E24"), lipgloss.Color("#E8E8EE")),
		Good:     ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#56D364")),
		Bad:      ld(lipgloss.Color("#C62828"), lipgloss.Color("#FF7B72")),
		Warn:     ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#E3B341")),
		Info:     ld(lipgloss.Color("#0969DA"), lipgloss.Color("#79C0FF")),
	}
	base := lipgloss.NewStyle().Foreground(s.Text)
	s.Title = base.Bold(true)
	s.Section = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Label = lipgloss.NewStyle().Foreground(s.Muted)
	s.Faint = lipgloss.NewStyle().Foreground(s.Muted)
	s.Bold = base.Bold(true)
	s.Selected = lipgloss.NewStyle().Bold(true).Foreground(s.Accent)
	s.Cursor = lipgloss.NewStyle().Foreground(s.Accent).Bold(true)
	s.ErrorText = lipgloss.NewStyle().Foreground(s.Bad)
	s.WarnText = lipgloss.NewStyle().Foreground(s.Warn)
	s.OKText = lipgloss.NewStyle().Foreground(s.Good)
	s.Code = lipgloss.NewStyle().Foreground(s.Info)
	s.Input = base
	s.Required = lipgloss.NewStyle().Foreground(s.Bad).Bold(true)
	s.Badge = lipgloss.NewStyle().Foreground(s.Accent)
	s.JSONKey = lipgloss.NewStyle().Foreground(s.Accent)
	s.JSONString = lipgloss.NewStyle().Foreground(s.Good)
	s.JSONNumber = lipgloss.NewStyle().Foreground(s.Info)
	s.JSONBool = lipgloss.NewStyle().Foreground(s.Warn)
	s.JSONNull = lipgloss.NewStyle().Foreground(s.Muted)
	s.JSONPunct = lipgloss.NewStyle().Foreground(s.Muted)
	return s
}

// HelpStyles are the key hints' styles: key names in the text colour,
// their descriptions and separators muted. (bubbles' own greys fall to
// 2.1–3.4:1 on a white or black terminal; these keep 4.5:1.)
func HelpStyles(st Styles) help.Styles {
	key := lipgloss.NewStyle().Foreground(st.Text).Bold(true)
	desc := lipgloss.NewStyle().Foreground(st.Muted)
	return help.Styles{
		Ellipsis:       desc,
		ShortKey:       key,
		ShortDesc:      desc,
		ShortSeparator: desc,
		FullKey:        key,
		FullDesc:       desc,
		FullSeparator:  desc,
	}
}
