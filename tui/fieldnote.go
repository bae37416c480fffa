package tui

import (
	"fmt"
	"strings"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
)

// fieldNote is a line under the value being edited; bad: it is a problem.
type fieldNote struct {
	text string
	bad  bool
}

// literalNote says what a literal mapping (no {{ }}) becomes for its
// field's type, the way the engine converts it before sending
// (action.Convert): text as typed, a list split at commas (or a JSON
// list), a whole number… or why it cannot be converted (bad).
func literalNote(f action.Field, src string) fieldNote {
	text, bad := literalText(f, src)
	return fieldNote{text, bad}
}

func literalText(f action.Field, src string) (string, bool) {
	v, err := action.Convert(f, src)
	if err != nil {
		return "✗ " + err.Error(), true
	}
	switch f.Type {
	case action.TypeArray:
		list, _ := v.([]any)
		how := "commas separate the items"
		if strings.HasPrefix(strings.TrimSpace(src), "[") {
			how = "a JSON list"
		}
		return fmt.Sprintf("✓ a list of %d: %s (%s)", len(list), mapping.Format(v), how), false
	case action.TypeInteger:
		return "✓ a whole number: " + mapping.Format(v), false
	case action.TypeNumber:
		return "✓ a number: " + mapping.Format(v), false
	case action.TypeBoolean:
		return "✓ true or false: " + mapping.Format(v), false
	case action.TypeObject:
		return "✓ a JSON object", false
	}
	return "✓ plain text: sent as typed", false
}
