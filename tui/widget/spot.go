package widget

import "strings"

// Suggestion is a path a template can read, such as trigger.email or
// steps.find.profile.login, with a sample of its value when one is known.
type Suggestion struct {
	Path  string // as written inside {{ }}: trigger.email, trigger.tags[0], steps["find-user"].id
	Value string // a short rendering of the sample value; "" when unknown
	From  string // "trigger" or the step id
}

// Where a chosen suggestion goes, from the text around the cursor.
const (
	spotInsert   = iota // insert {{ path }} at the cursor (or fill an empty value)
	spotWhole           // the whole value is the word that found the path: replace it
	spotTemplate        // the cursor is in an unclosed "{{ word": replace it with {{ path }}
	spotWord            // the cursor ends a word inside an expression: replace the word with the path
)

// editSpot is what the text before the cursor asks for: query filters the
// suggestions; the chosen one replaces value[start:cursor] (runes).
type editSpot struct {
	query string
	start int
	mode  int
}

// isPathRune is a rune of a path being typed (trigger.tags[0], steps["a-b"]).
func isPathRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || r == '[' || r == ']' || r == '"' || r == '\'' ||
		(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func spotAt(value string, pos int) editSpot {
	runes := []rune(value)
	pos = min(max(pos, 0), len(runes))
	before := string(runes[:pos])
	if open := strings.LastIndex(before, "{{"); open >= 0 && !strings.Contains(before[open:], "}}") {
		inner := []rune(before[open+2:])
		w := len(inner)
		for w > 0 && isPathRune(inner[w-1]) {
			w--
		}
		word := string(inner[w:])
		if strings.TrimSpace(string(inner[:w])) == "" {
			return editSpot{query: word, start: len([]rune(before[:open])), mode: spotTemplate}
		}
		return editSpot{query: word, start: pos - len(inner[w:]), mode: spotWord}
	}
	if value != "" && !strings.ContainsAny(value, " \t{}") {
		return editSpot{query: value, start: 0, mode: spotWhole}
	}
	return editSpot{start: pos, mode: spotInsert}
}

// filterSuggestions keeps the paths that contain the query (case folded).
// A whole value that matches no path is plain text: every path is offered,
// to insert at the cursor.
func filterSuggestions(all []Suggestion, spot editSpot) ([]Suggestion, editSpot) {
	q := strings.ToLower(spot.query)
	if q == "" {
		return all, spot
	}
	var out []Suggestion
	for _, s := range all {
		if strings.Contains(strings.ToLower(s.Path), q) {
			out = append(out, s)
		}
	}
	if len(out) == 0 && spot.mode == spotWhole {
		return all, editSpot{start: -1, mode: spotInsert}
	}
	return out, spot
}

// insertPath puts the chosen path into value at the spot and returns the
// new value and the cursor after it.
func insertPath(value string, pos int, path string, spot editSpot) (string, int) {
	tpl := "{{ " + path + " }}"
	runes := []rune(value)
	pos = min(max(pos, 0), len(runes))
	start := min(max(spot.start, 0), pos)
	var head, rest string
	switch spot.mode {
	case spotTemplate:
		rest = string(runes[pos:])
		// the rest of this expression, up to its closing braces, goes too
		if end := strings.Index(rest, "}}"); end >= 0 && !strings.Contains(rest[:end], "{{") {
			rest = rest[end+2:]
		}
		head = string(runes[:start]) + tpl
	case spotWord:
		head, rest = string(runes[:start])+path, string(runes[pos:])
	case spotWhole:
		head = tpl
	default:
		if strings.TrimSpace(value) == "" {
			head = tpl
		} else {
			head, rest = string(runes[:pos])+tpl, string(runes[pos:])
		}
	}
	return head + rest, len([]rune(head))
}
