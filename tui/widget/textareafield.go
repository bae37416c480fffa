package widget

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// TextArea is a multi-line text input for huh forms (a pasted PEM key), in
// the app's styles. It stands in for huh.Text for the reasons TextField
// stands in for huh.Input: huh.Text's cursor blinks (a timer that never
// rests while the form is open, a frame every half second for nothing) and
// gives no way to stop it. Keys as huh.Text's: enter and tab go to the next
// field, shift+tab back, alt+enter or ctrl+j start a new line; a paste
// keeps its lines.
type TextArea struct {
	st       Styles
	key      string
	title    string
	desc     string
	value    *string
	area     textarea.Model
	validate func(string) error
	err      error
	focused  bool
	width    int
	keys     huh.TextKeyMap
}

var _ huh.Field = (*TextArea)(nil)

// NewTextArea edits *value on lines rows; title names it.
func NewTextArea(st Styles, title string, value *string, lines int) *TextArea {
	f := &TextArea{st: st, title: title, key: title, value: value, keys: huh.NewDefaultKeyMap().Text}
	f.area = textarea.New()
	f.area.ShowLineNumbers = false
	f.area.Prompt = "› "
	f.area.CharLimit = 16 << 10
	f.area.SetHeight(max(lines, 1))
	ts := textarea.DefaultStyles(st.IsDark)
	ts.Cursor.Blink = false // a steady cursor: an idle form schedules no ticks
	ts.Cursor.Color = st.Accent
	for _, s := range []*textarea.StyleState{&ts.Focused, &ts.Blurred} {
		s.Text = s.Text.Foreground(st.Text)
		s.Placeholder = s.Placeholder.Foreground(st.Muted)
		s.Prompt = s.Prompt.Foreground(st.Muted)
		s.CursorLine = s.Text
		s.EndOfBuffer = s.EndOfBuffer.Foreground(st.Subtle)
	}
	ts.Focused.Prompt = ts.Focused.Prompt.Foreground(st.Accent)
	f.area.SetStyles(ts)
	f.area.KeyMap.InsertNewline = f.keys.NewLine
	f.area.SetValue(*value)
	f.validate = func(string) error { return nil }
	return f
}

// Key names the field (GetKey); Description is its help line.
func (f *TextArea) Key(k string) *TextArea         { f.key = k; return f }
func (f *TextArea) Description(d string) *TextArea { f.desc = d; return f }

// Validate checks the value when the field is left or submitted.
func (f *TextArea) Validate(fn func(string) error) *TextArea { f.validate = fn; return f }

// Init does nothing: the form focuses the field.
func (f *TextArea) Init() tea.Cmd { return nil }

// Update types into the field and moves to the next or previous one.
func (f *TextArea) Update(msg tea.Msg) (huh.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && f.focused {
		f.err = nil
		switch {
		case key.Matches(km, f.keys.NewLine):
		case key.Matches(km, f.keys.Prev):
			return f, huh.PrevField
		case key.Matches(km, f.keys.Next, f.keys.Submit):
			if f.err = f.validate(f.area.Value()); f.err != nil {
				return f, nil
			}
			return f, huh.NextField
		}
	}
	if !f.focused {
		return f, nil
	}
	var cmd tea.Cmd
	f.area, cmd = f.area.Update(msg)
	*f.value = f.area.Value()
	return f, cmd
}

// View draws the title, the description, the text and its error.
func (f *TextArea) View() string {
	st := f.st
	bar, title := "  ", st.Label.Render(f.title)
	if f.focused {
		bar, title = st.Cursor.Render("┃ "), st.Section.Render(f.title)
	}
	w := max(f.width-2, 10)
	lines := []string{bar + Truncate(title, w)}
	if f.desc != "" {
		lines = append(lines, indentAll(st.Faint.Render(Wrap(f.desc, w)), bar))
	}
	lines = append(lines, indentAll(f.area.View(), bar))
	if f.err != nil {
		lines = append(lines, indentAll(st.ErrorText.Render(Wrap("✗ "+f.err.Error(), w)), bar))
	}
	return strings.Join(lines, "\n")
}

// Focus and Blur: leaving the field checks it.
func (f *TextArea) Focus() tea.Cmd { f.focused = true; return f.area.Focus() }
func (f *TextArea) Blur() tea.Cmd {
	f.focused = false
	f.area.Blur()
	*f.value = f.area.Value()
	f.err = f.validate(f.area.Value())
	return nil
}

// Error is the field's problem, if any.
func (f *TextArea) Error() error { return f.err }

// Run asks for the field on its own.
func (f *TextArea) Run() error { return huh.Run(f) }

// RunAccessible asks for the text as plain lines, ended by an empty line
// (or the end of the input), until it is valid.
func (f *TextArea) RunAccessible(w io.Writer, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for {
		fmt.Fprintf(w, "%s (end with an empty line):\n", f.title)
		var lines []string
		for sc.Scan() && strings.TrimSpace(sc.Text()) != "" {
			lines = append(lines, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return err
		}
		v := strings.Join(lines, "\n")
		if len(lines) == 0 && f.validate(v) != nil {
			return io.ErrUnexpectedEOF
		}
		if err := f.validate(v); err != nil {
			fmt.Fprintln(w, "✗", err)
			continue
		}
		*f.value = v
		f.area.SetValue(v)
		return nil
	}
}

// Skip and Zoom: a text area is never skipped or zoomed.
func (f *TextArea) Skip() bool { return false }
func (f *TextArea) Zoom() bool { return false }

// KeyBinds are the field's keys for help.
func (f *TextArea) KeyBinds() []key.Binding {
	return []key.Binding{f.keys.NewLine, f.keys.Prev, f.keys.Next}
}

// WithTheme keeps the app's styles (the field draws itself with them).
func (f *TextArea) WithTheme(huh.Theme) huh.Field { return f }

// WithKeyMap takes the form's text keys.
func (f *TextArea) WithKeyMap(k *huh.KeyMap) huh.Field {
	f.keys = k.Text
	f.area.KeyMap.InsertNewline = f.keys.NewLine
	return f
}

// WithWidth sizes the field; WithHeight and WithPosition are not needed.
func (f *TextArea) WithWidth(w int) huh.Field {
	f.width = w
	f.area.SetWidth(max(w-4, 10))
	return f
}
func (f *TextArea) WithHeight(int) huh.Field                 { return f }
func (f *TextArea) WithPosition(huh.FieldPosition) huh.Field { return f }

// GetKey and GetValue name and read the field.
func (f *TextArea) GetKey() string { return f.key }
func (f *TextArea) GetValue() any  { return *f.value }
