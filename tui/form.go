package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// formField is one labelled input of a form. Its value is checked as it is
// typed and the reason shown beside it; nothing typed is ever cleared by a
// failed check.
type formField struct {
	Key      string
	Label    string
	Help     string
	Required bool
	Secret   bool // masked; ctrl+v reveals it for this session only
	Validate func(string) error

	input    textinput.Model
	err      error
	revealed bool
	touched  bool
}

// form is a column of fields with one focused at a time.
type form struct {
	c      *Common
	fields []*formField
	focus  int
	width  int
	height int // lines available; 0: no limit
}

func newForm(c *Common, fields ...*formField) *form {
	f := &form{c: c, fields: fields}
	for _, fl := range fields {
		fl.input = textinput.New()
		fl.input.Prompt = ""
		fl.input.CharLimit = 2048
		if fl.Secret {
			fl.input.EchoMode = textinput.EchoPassword
			fl.input.EchoCharacter = '•'
		}
	}
	f.setFocus(0)
	f.applyStyles()
	return f
}

func (f *form) applyStyles() {
	for _, fl := range f.fields {
		ts := textinput.DefaultStyles(f.c.Styles.IsDark)
		ts.Cursor.Blink = false // a steady cursor: no blink ticks to re-render for
		fl.input.SetStyles(ts)
	}
}

func (f *form) field(k string) *formField {
	for _, fl := range f.fields {
		if fl.Key == k {
			return fl
		}
	}
	return nil
}

// focusKey moves the focus to the field with key k.
func (f *form) focusKey(k string) tea.Cmd {
	for i, fl := range f.fields {
		if fl.Key == k {
			return f.setFocus(i)
		}
	}
	return nil
}

// Set fills a field (when editing something saved).
func (f *form) Set(k, v string) {
	if fl := f.field(k); fl != nil {
		fl.input.SetValue(v)
	}
}

// Value returns a field's trimmed text.
func (f *form) Value(k string) string {
	if fl := f.field(k); fl != nil {
		return strings.TrimSpace(fl.input.Value())
	}
	return ""
}

// SetError shows an error beside a field (an answer from Okta, say).
func (f *form) SetError(k string, err error) {
	if fl := f.field(k); fl != nil {
		fl.err, fl.touched = err, true
	}
}

func (f *form) setFocus(i int) tea.Cmd {
	if len(f.fields) == 0 {
		return nil
	}
	f.focus = (i + len(f.fields)) % len(f.fields)
	var cmd tea.Cmd
	for j, fl := range f.fields {
		if j == f.focus {
			cmd = fl.input.Focus()
		} else {
			fl.input.Blur()
		}
	}
	return cmd
}

func (f *form) check(fl *formField) {
	v := strings.TrimSpace(fl.input.Value())
	switch {
	case fl.Required && v == "":
		fl.err = errRequired
	case fl.Validate != nil && v != "":
		fl.err = fl.Validate(v)
	default:
		fl.err = nil
	}
}

// Valid checks every field, shows every problem, and reports whether the
// form can be submitted; focus moves to the first field with a problem.
func (f *form) Valid() bool {
	first := -1
	for i, fl := range f.fields {
		fl.touched = true
		f.check(fl)
		if fl.err != nil && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		f.setFocus(first)
		return false
	}
	return true
}

// Update handles focus keys and typing.
func (f *form) Update(msg tea.Msg) tea.Cmd {
	k := f.c.Keys
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, k.Next), km.String() == "down":
			f.touch()
			return f.setFocus(f.focus + 1)
		case key.Matches(km, k.Prev), km.String() == "up":
			f.touch()
			return f.setFocus(f.focus - 1)
		case key.Matches(km, k.Reveal):
			if fl := f.fields[f.focus]; fl.Secret {
				fl.revealed = !fl.revealed
				if fl.revealed {
					fl.input.EchoMode = textinput.EchoNormal
				} else {
					fl.input.EchoMode = textinput.EchoPassword
				}
			}
			return nil
		}
	}
	if len(f.fields) == 0 {
		return nil
	}
	fl := f.fields[f.focus]
	var cmd tea.Cmd
	fl.input, cmd = fl.input.Update(msg)
	if fl.touched {
		f.check(fl)
	}
	return cmd
}

// touch marks the focused field as visited, so its check shows.
func (f *form) touch() {
	fl := f.fields[f.focus]
	fl.touched = true
	f.check(fl)
}

func (f *form) SetWidth(w int) {
	f.width = w
	for _, fl := range f.fields {
		fl.input.SetWidth(max(min(w-4, 72), 10))
	}
}

// SetHeight limits the form to h lines: a longer form shows a window
// around the focused field, with what lies above and below counted.
func (f *form) SetHeight(h int) { f.height = h }

func (f *form) View() string {
	blocks := make([]string, len(f.fields))
	total := 0
	for i := range f.fields {
		blocks[i] = f.fieldView(i)
		total += lines(blocks[i])
	}
	if f.height <= 0 || total <= f.height {
		return strings.Join(blocks, "")
	}
	// Grow a window from the focused field, down first, keeping two lines
	// for the "more" markers.
	room := max(f.height-2, 1)
	lo, hi := f.focus, f.focus+1
	used := lines(blocks[f.focus])
	for {
		grew := false
		if hi < len(blocks) && used+lines(blocks[hi]) <= room {
			used += lines(blocks[hi])
			hi++
			grew = true
		}
		if lo > 0 && used+lines(blocks[lo-1]) <= room {
			lo--
			used += lines(blocks[lo])
			grew = true
		}
		if !grew {
			break
		}
	}
	st := f.c.Styles
	var b strings.Builder
	if lo > 0 {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  ↑ %d more field(s) above (shift+tab)", lo)) + "\n")
	}
	b.WriteString(strings.Join(blocks[lo:hi], ""))
	if hi < len(blocks) {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  ↓ %d more field(s) below (tab)", len(blocks)-hi)) + "\n")
	}
	return b.String()
}

// fieldView renders field i: label, input box, and its error or help.
func (f *form) fieldView(i int) string {
	st := f.c.Styles
	fl := f.fields[i]
	var b strings.Builder
	label := fl.Label
	if fl.Required {
		label += st.Required.Render(" *")
	}
	marker := "  "
	box := st.Box
	if i == f.focus {
		marker = st.Cursor.Render("▍ ")
		box = st.FocusedBox
	}
	b.WriteString(marker + st.Label.Render(label))
	if fl.Secret {
		hint := "masked · ctrl+v reveals"
		if fl.revealed {
			hint = "shown · ctrl+v hides"
		}
		b.WriteString(st.Faint.Render("  (" + hint + ")"))
	}
	b.WriteString("\n")
	b.WriteString(lipgloss.NewStyle().MarginLeft(2).Render(box.Width(max(min(f.width-4, 76), 14)).Render(fl.input.View())))
	b.WriteString("\n")
	lineW := max(f.width-2, 20)
	switch {
	case fl.err != nil && fl.touched:
		b.WriteString(indentLines(st.ErrorText.Render(wrap("✗ "+fl.err.Error(), lineW)), "  ") + "\n")
	case fl.Help != "" && i == f.focus:
		b.WriteString(indentLines(st.Faint.Render(wrap(fl.Help, lineW)), "  ") + "\n")
	default:
		b.WriteString("\n")
	}
	return b.String()
}

var errRequired = requiredError{}

type requiredError struct{}

func (requiredError) Error() string { return "required" }

// indentLines prefixes every line of s.
func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// lines counts the lines of a block that ends with a newline.
func lines(block string) int { return strings.Count(block, "\n") }
