package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
)

// sampleErrText is why a sample could not be loaded; when the trigger has
// none yet (engine.NoSampleError), how to give one here (the engine's
// words name no front end's keys or flags).
func sampleErrText(err error, how string) string {
	if none := (*engine.NoSampleError)(nil); errors.As(err, &none) {
		return err.Error() + ": " + how
	}
	return err.Error()
}

func (s *testRun) startEdit() tea.Cmd {
	text := "{\n  \n}"
	if s.d.sample != nil {
		if b, err := json.MarshalIndent(s.d.sample, "", "  "); err == nil {
			text = string(b)
		}
	}
	s.editing, s.editErr, s.editStart, s.discardAsked = true, "", text, false
	s.area.SetValue(text)
	s.area.MoveToBegin()
	if s.d.sample == nil { // inside the braces, ready to type "key": value
		s.area.CursorDown()
		s.area.CursorEnd()
	}
	return s.area.Focus()
}

func (s *testRun) onEditKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		if s.area.Value() != s.editStart && !s.discardAsked {
			s.discardAsked = true
			s.editErr = "the sample was changed: esc again discards it, ctrl+s applies it"
			return nil
		}
		s.editing, s.editErr = false, ""
		s.area.Blur()
		return nil
	case key.Matches(msg, k.Save):
		ev, err := parseSample(s.area.Value())
		if err != nil {
			s.editErr = err.Error()
			return nil
		}
		s.d.sample, s.d.sampleSource, s.d.starter = ev, "written by hand · "+time.Now().Format("15:04:05"), false
		s.editing, s.editErr = false, ""
		s.sampleErr = nil
		s.area.Blur()
		s.layout()
		return tea.Batch(s.preview(), toast("Sample applied"))
	}
	var cmd tea.Cmd
	s.area, cmd = s.area.Update(msg)
	return cmd
}

// parseSample reads a sample event: a JSON object. A syntax error says
// where (line and column).
func parseSample(text string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("the sample is empty: write a JSON object such as {\"email\": \"ada@acme.com\"}")
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(text, int(se.Offset)-1) // Offset is just past the bad byte
			return nil, fmt.Errorf("line %d, column %d: %v", line, col, se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("the JSON ends too soon: a brace or quote is not closed")
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("there is more after the JSON object: the sample is one object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the sample must be a JSON object ({…}), not %s", jsonKind(v))
	}
	return normalizeNumbers(m).(map[string]any), nil
}

// normalizeNumbers turns json.Numbers into float64 (as events decode
// everywhere else), after UseNumber kept big integers from rounding in the
// error path.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return v
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(text string, off int) (int, int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := off - strings.LastIndex(before, "\n")
	return line, col
}
