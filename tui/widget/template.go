package widget

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// TemplateKeys are the keys of a template input: Insert puts the chosen
// suggestion in; Up and Down choose one (arrows only: letters are typed).
type TemplateKeys struct {
	Insert, Up, Down key.Binding
}

// TemplateInput edits one {{ template }} with the paths it can read offered
// below it, narrowed by the word at the cursor. Its check runs on every
// keystroke, so a mistake shows at once.
type TemplateInput struct {
	st    Styles
	keys  TemplateKeys
	input textinput.Model
	all   []Suggestion
	shown []Suggestion
	spot  editSpot
	sugg  List
	check func(string) error
	err   error
}

// NewTemplateInput makes an idle template input.
func NewTemplateInput(st Styles, keys TemplateKeys) *TemplateInput {
	t := &TemplateInput{st: st, keys: keys}
	t.input = textinput.New()
	t.input.Prompt = "› "
	t.input.CharLimit = 4096
	ts := textinput.DefaultStyles(st.IsDark)
	ts.Cursor.Blink = false // a steady cursor: no blink ticks to re-render for
	t.input.SetStyles(ts)
	return t
}

// Start edits value with these suggestions; check compiles the text (nil:
// anything goes); secret masks it.
func (t *TemplateInput) Start(value string, all []Suggestion, secret bool, check func(string) error) tea.Cmd {
	t.input.SetValue(value)
	t.input.CursorEnd()
	t.all, t.check = all, check
	t.SetSecret(secret)
	t.sugg.Select(0)
	t.changed()
	return t.input.Focus()
}

// SetValue replaces the text being edited (a value picked elsewhere), the
// cursor at its end.
func (t *TemplateInput) SetValue(v string) {
	t.input.SetValue(v)
	t.input.CursorEnd()
	t.changed()
}

// SetSuggestions replaces the paths offered (a sample arrived meanwhile).
func (t *TemplateInput) SetSuggestions(all []Suggestion) {
	t.all = all
	t.changed()
}

// Stop ends the edit.
func (t *TemplateInput) Stop() {
	t.input.Blur()
	t.err, t.shown = nil, nil
	t.sugg.SetLen(0)
}

// SetSecret masks (or shows) the text.
func (t *TemplateInput) SetSecret(secret bool) {
	t.input.EchoMode = textinput.EchoNormal
	if secret {
		t.input.EchoMode = textinput.EchoPassword
		t.input.EchoCharacter = '•'
	}
}

// SetWidth sets the input's width; SetRows how many suggestions show.
func (t *TemplateInput) SetWidth(w int) { t.input.SetWidth(max(w-4, 10)) }
func (t *TemplateInput) SetRows(n int)  { t.sugg.SetHeight(n) }

// Value is the text; Err its check's result; HasSuggestions whether any
// path is known at all.
func (t *TemplateInput) Value() string        { return t.input.Value() }
func (t *TemplateInput) Err() error           { return t.err }
func (t *TemplateInput) HasSuggestions() bool { return len(t.all) > 0 }

// Suggestions are the paths that match what is typed.
func (t *TemplateInput) Suggestions() []Suggestion { return t.shown }

// Shown is how many suggestions match what is typed.
func (t *TemplateInput) Shown() int { return len(t.shown) }

// changed re-checks the text and refilters the suggestions, keeping the
// chosen one when it still matches.
func (t *TemplateInput) changed() {
	if t.check != nil {
		t.err = t.check(t.input.Value())
	}
	prev := ""
	if c := t.sugg.Cursor(); c < len(t.shown) {
		prev = t.shown[c].Path
	}
	t.shown, t.spot = filterSuggestions(t.all, spotAt(t.input.Value(), t.input.Position()))
	t.sugg.SetLen(len(t.shown))
	t.sugg.Select(0)
	for i, s := range t.shown {
		if s.Path == prev {
			t.sugg.Select(i)
		}
	}
}

// Update chooses and inserts suggestions, and types.
func (t *TemplateInput) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, t.keys.Up):
			t.sugg.Select(t.sugg.Cursor() - 1)
			return nil
		case key.Matches(km, t.keys.Down):
			t.sugg.Select(t.sugg.Cursor() + 1)
			return nil
		case key.Matches(km, t.keys.Insert):
			if c := t.sugg.Cursor(); c < len(t.shown) {
				v, pos := insertPath(t.input.Value(), t.input.Position(), t.shown[c].Path, t.spot)
				t.input.SetValue(v)
				t.input.SetCursor(pos)
				t.changed()
			}
			return nil
		}
	}
	before, pos := t.input.Value(), t.input.Position()
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	if t.input.Value() != before || t.input.Position() != pos {
		t.changed()
	}
	return cmd
}

// InputView is the input line.
func (t *TemplateInput) InputView() string { return t.input.View() }

// Query is the word the suggestions are narrowed by.
func (t *TemplateInput) Query() string { return t.spot.query }

// SuggestionLines draws the window of suggestions w wide: path, then its
// sample value (or unknown, for an earlier step not tested yet).
func (t *TemplateInput) SuggestionLines(w int, unknown string) []string {
	st := t.st
	from, to := t.sugg.Window()
	pathW := 12
	for _, s := range t.shown {
		pathW = max(pathW, lipgloss.Width(s.Path)+2)
	}
	pathW = min(pathW, max(w*3/5, 20))
	var out []string
	for i := from; i < to; i++ {
		s := t.shown[i]
		marker, path := "  ", st.Code.Render(Pad(s.Path, pathW))
		if i == t.sugg.Cursor() {
			marker, path = st.Cursor.Render("▸ "), st.Selected.Render(Pad(s.Path, pathW))
		}
		val := s.Value
		if val == "" && s.From != "trigger" {
			val = unknown
		}
		out = append(out, Truncate(marker+path+st.Faint.Render(" "+val), w))
	}
	if more := len(t.shown) - (to - from); more > 0 {
		out = append(out, st.Faint.Render(fmt.Sprintf("  %d of %d · type to narrow", to-from, len(t.shown))))
	}
	return out
}
