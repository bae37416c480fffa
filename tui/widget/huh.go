package widget

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Theme is the app's palette as a huh theme. huh passes its own idea of
// the background; the app knows better (it asked the terminal), so that
// argument is ignored. bordered draws the focused field's left bar.
func Theme(st Styles, bordered bool) huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles {
		t := huh.ThemeBase(st.IsDark)
		f := &t.Focused
		f.Base = lipgloss.NewStyle()
		if bordered {
			f.Base = lipgloss.NewStyle().PaddingLeft(1).BorderStyle(lipgloss.ThickBorder()).BorderLeft(true).BorderForeground(st.Accent)
		}
		f.Card = f.Base
		f.Title = lipgloss.NewStyle().Foreground(st.Accent).Bold(true)
		f.NoteTitle = f.Title.MarginBottom(1)
		f.Description = lipgloss.NewStyle().Foreground(st.Muted)
		f.ErrorIndicator = lipgloss.NewStyle().Foreground(st.Bad).SetString(" *")
		f.ErrorMessage = lipgloss.NewStyle().Foreground(st.Bad)
		f.SelectSelector = lipgloss.NewStyle().Foreground(st.Accent).SetString("▸ ")
		f.MultiSelectSelector = f.SelectSelector
		f.NextIndicator = lipgloss.NewStyle().Foreground(st.Accent).MarginLeft(1).SetString("→")
		f.PrevIndicator = lipgloss.NewStyle().Foreground(st.Accent).MarginRight(1).SetString("←")
		f.Option = lipgloss.NewStyle().Foreground(st.Text)
		f.SelectedOption = lipgloss.NewStyle().Foreground(st.Accent).Bold(true)
		f.SelectedPrefix = lipgloss.NewStyle().Foreground(st.Good).SetString("[x] ")
		f.UnselectedPrefix = lipgloss.NewStyle().Foreground(st.Muted).SetString("[ ] ")
		f.UnselectedOption = f.Option
		button := lipgloss.NewStyle().Padding(0, 2).MarginRight(1)
		f.FocusedButton = button.Foreground(st.OnAccent).Background(st.Accent).Bold(true)
		f.BlurredButton = button.Foreground(st.Text).Background(st.Subtle)
		f.Next = f.FocusedButton
		f.TextInput.Cursor = lipgloss.NewStyle().Foreground(st.Accent)
		f.TextInput.Placeholder = lipgloss.NewStyle().Foreground(st.Muted)
		f.TextInput.Prompt = lipgloss.NewStyle().Foreground(st.Accent)
		f.TextInput.Text = lipgloss.NewStyle().Foreground(st.Text)
		t.Blurred = *f
		t.Blurred.Base = f.Base
		if bordered {
			t.Blurred.Base = f.Base.BorderStyle(lipgloss.HiddenBorder())
		}
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = lipgloss.NewStyle().Foreground(st.Muted)
		t.Blurred.NextIndicator = lipgloss.NewStyle()
		t.Blurred.PrevIndicator = lipgloss.NewStyle()
		t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("  ")
		t.Blurred.MultiSelectSelector = t.Blurred.SelectSelector
		t.Help = HelpStyles(st)
		return t
	})
}

// KeyMap is huh's keys inside the app: ctrl+c belongs to the app (it
// quits), not to the form.
func KeyMap() *huh.KeyMap {
	k := huh.NewDefaultKeyMap()
	k.Quit = key.NewBinding(key.WithDisabled())
	return k
}

// Form is a huh form embedded in a screen: the screen forwards every
// message to Update and polls Done (huh's SubmitCmd is nil when embedded).
type Form struct {
	*huh.Form
	h int
}

// NewForm builds a form of groups with the app's theme and keys, w wide
// and at most h high.
func NewForm(st Styles, w, h int, groups ...*huh.Group) *Form {
	f := huh.NewForm(groups...).WithTheme(Theme(st, true)).WithKeyMap(KeyMap()).
		WithShowHelp(false).WithWidth(max(w, 20))
	return &Form{Form: f, h: h}
}

// Init starts the form and sizes it (huh measures its groups only once
// their fields know their width).
func (f *Form) Init() tea.Cmd {
	cmd := f.Form.Init()
	fit(f.Form, 0, f.h)
	return cmd
}

// SetSize gives the form a new width and height.
func (f *Form) SetSize(w, h int) {
	f.h = h
	f.Form = f.Form.WithWidth(max(w, 20))
	fit(f.Form, 0, h)
}

// Refresh redraws the form after a field was changed from outside (huh
// keeps each group's drawing until the group gets a message).
func (f *Form) Refresh() { fit(f.Form, 0, f.h) }

// fit makes huh size its groups' views to their content, at most h lines:
// a group measures itself when built, before its fields know their width,
// and keeps that height otherwise.
func fit(f *huh.Form, w, h int) {
	f.Update(tea.WindowSizeMsg{Width: w, Height: max(h, 1)})
}

// Update forwards msg to the form.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	m, cmd := f.Form.Update(msg)
	if ff, ok := m.(*huh.Form); ok {
		f.Form = ff
	}
	return cmd
}

// Done reports whether the form was submitted.
func (f *Form) Done() bool { return f.State == huh.StateCompleted }
