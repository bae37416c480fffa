package widget

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// TextField is a one-line text input for huh forms, drawn in the app's
// styles. It stands in for huh.Input, whose text keeps bubbles' dark-
// terminal colours when it is not focused (unreadable on a light terminal)
// and whose cursor blinks (a timer that never rests while a form is open).
//
// Besides a static description it can show a live note: a line computed
// from the value as it is typed (the org URL a domain means, or what is
// wrong with it), refreshed in Update, never in View.
type TextField struct {
	st       Styles
	key      string
	title    string
	desc     string
	note     func(string) (text string, bad bool)
	noteText string
	noteBad  bool
	holder   func() string
	value    *string
	input    textinput.Model
	validate func(string) error
	err      error
	focused  bool
	width    int
	keys     huh.InputKeyMap
}

var _ huh.Field = (*TextField)(nil)

// NewTextField edits *value; title names it.
func NewTextField(st Styles, title string, value *string) *TextField {
	f := &TextField{st: st, title: title, key: title, value: value, keys: huh.NewDefaultKeyMap().Input}
	f.input = textinput.New()
	f.input.Prompt = "› "
	f.input.CharLimit = 4096
	ts := textinput.DefaultStyles(st.IsDark)
	ts.Cursor.Blink = false // a steady cursor: an idle form schedules no ticks
	ts.Cursor.Color = st.Accent
	for _, s := range []*textinput.StyleState{&ts.Focused, &ts.Blurred} {
		s.Text = s.Text.Foreground(st.Text)
		s.Placeholder = s.Placeholder.Foreground(st.Muted)
		s.Prompt = s.Prompt.Foreground(st.Muted)
	}
	ts.Focused.Prompt = ts.Focused.Prompt.Foreground(st.Accent)
	f.input.SetStyles(ts)
	f.input.SetValue(*value)
	f.validate = func(string) error { return nil }
	return f
}

// Key names the field (GetKey); Description is its static help line.
func (f *TextField) Key(k string) *TextField         { f.key = k; return f }
func (f *TextField) Description(d string) *TextField { f.desc = d; return f }

// Note computes a live line from the value (bad: shown as a problem).
func (f *TextField) Note(fn func(v string) (string, bool)) *TextField {
	f.note = fn
	f.refresh()
	return f
}

// Placeholder is shown while the field is empty; PlaceholderFunc computes
// it again at every update (from another field's value, say).
func (f *TextField) Placeholder(p string) *TextField { f.input.Placeholder = p; return f }
func (f *TextField) PlaceholderFunc(fn func() string) *TextField {
	f.holder = fn
	f.refresh()
	return f
}

// Validate checks the value when the field is left or submitted.
func (f *TextField) Validate(fn func(string) error) *TextField { f.validate = fn; return f }

// Secret masks the value (SetSecret(false) shows it).
func (f *TextField) Secret() *TextField { f.SetSecret(true); return f }
func (f *TextField) SetSecret(on bool) {
	f.input.EchoMode = textinput.EchoNormal
	if on {
		f.input.EchoMode = textinput.EchoPassword
		f.input.EchoCharacter = '•'
	}
}

// refresh recomputes what depends on values: the note and the placeholder.
func (f *TextField) refresh() {
	if f.note != nil {
		f.noteText, f.noteBad = f.note(f.input.Value())
	}
	if f.holder != nil {
		f.input.Placeholder = f.holder()
	}
}

// Init does nothing: the form focuses the field.
func (f *TextField) Init() tea.Cmd { return nil }

// Update types into the field and moves to the next or previous one.
func (f *TextField) Update(msg tea.Msg) (huh.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if km, ok := msg.(tea.KeyPressMsg); ok && f.focused {
		f.err = nil
		switch {
		case key.Matches(km, f.keys.Prev):
			return f, huh.PrevField
		case key.Matches(km, f.keys.Next, f.keys.Submit):
			if f.err = f.validate(f.input.Value()); f.err != nil {
				return f, nil
			}
			return f, huh.NextField
		}
	}
	if f.focused {
		var cmd tea.Cmd
		f.input, cmd = f.input.Update(msg)
		cmds = append(cmds, cmd)
		*f.value = f.input.Value()
	}
	f.refresh() // every update: another field's value may have changed
	return f, tea.Batch(cmds...)
}

// View draws the title, the note or description, the input and its error.
func (f *TextField) View() string {
	st := f.st
	bar, title := "  ", st.Label.Render(f.title)
	if f.focused {
		bar, title = st.Cursor.Render("┃ "), st.Section.Render(f.title)
	}
	w := max(f.width-2, 10)
	lines := []string{bar + Truncate(title, w)}
	switch {
	case f.noteText != "" && f.noteBad:
		lines = append(lines, indentAll(st.ErrorText.Render(Wrap(f.noteText, w)), bar))
	case f.noteText != "":
		lines = append(lines, indentAll(st.Faint.Render(Wrap(f.noteText, w)), bar))
	case f.desc != "":
		lines = append(lines, indentAll(st.Faint.Render(Wrap(f.desc, w)), bar))
	}
	lines = append(lines, bar+f.input.View())
	if f.err != nil {
		lines = append(lines, indentAll(st.ErrorText.Render(Wrap("✗ "+f.err.Error(), w)), bar))
	}
	return strings.Join(lines, "\n")
}

// indentAll puts prefix before every line of s.
func indentAll(s, prefix string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range ls {
		ls[i] = prefix + strings.TrimRight(ls[i], " ")
	}
	return strings.Join(ls, "\n")
}

// Focus and Blur: leaving the field checks it.
func (f *TextField) Focus() tea.Cmd { f.focused = true; return f.input.Focus() }
func (f *TextField) Blur() tea.Cmd {
	f.focused = false
	f.input.Blur()
	*f.value = f.input.Value()
	f.err = f.validate(f.input.Value())
	return nil
}

// Error is the field's problem, if any.
func (f *TextField) Error() error { return f.err }

// Run asks for the field on its own.
func (f *TextField) Run() error { return huh.Run(f) }

// RunAccessible asks for the value as a plain prompt, until it is valid.
func (f *TextField) RunAccessible(w io.Writer, r io.Reader) error {
	sc := bufio.NewScanner(r)
	for {
		fmt.Fprintf(w, "%s: ", f.title)
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return err
			}
			return io.ErrUnexpectedEOF
		}
		v := strings.TrimSpace(sc.Text())
		if err := f.validate(v); err != nil {
			fmt.Fprintln(w, "✗", err)
			continue
		}
		*f.value = v
		f.input.SetValue(v)
		return nil
	}
}

// Skip and Zoom: a text field is never skipped or zoomed.
func (f *TextField) Skip() bool { return false }
func (f *TextField) Zoom() bool { return false }

// KeyBinds are the field's keys for help.
func (f *TextField) KeyBinds() []key.Binding { return []key.Binding{f.keys.Prev, f.keys.Next} }

// WithTheme keeps the app's styles (the field draws itself with them).
func (f *TextField) WithTheme(huh.Theme) huh.Field { return f }

// WithKeyMap takes the form's input keys.
func (f *TextField) WithKeyMap(k *huh.KeyMap) huh.Field { f.keys = k.Input; return f }

// WithWidth sizes the field; WithHeight and WithPosition are not needed.
func (f *TextField) WithWidth(w int) huh.Field {
	f.width = w
	f.input.SetWidth(max(w-6, 10))
	return f
}
func (f *TextField) WithHeight(int) huh.Field                 { return f }
func (f *TextField) WithPosition(huh.FieldPosition) huh.Field { return f }

// GetKey and GetValue name and read the field.
func (f *TextField) GetKey() string { return f.key }
func (f *TextField) GetValue() any  { return *f.value }
