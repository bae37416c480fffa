package widget

import (
	"encoding/json"
	"strings"
)

// JSON pretty-prints v (or raw JSON) with keys, strings, numbers, booleans
// and null in their colours.
func JSON(st Styles, v any) string {
	var data any = v
	if raw, ok := v.(json.RawMessage); ok {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber() // a large id keeps every digit
		if err := dec.Decode(&data); err != nil {
			return string(raw)
		}
	}
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for i, line := range strings.Split(string(b), "\n") {
		if i > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(jsonLine(st, line))
	}
	return out.String()
}

func jsonLine(st Styles, line string) string {
	trimmed := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(trimmed)]
	rest := trimmed
	var b strings.Builder
	b.WriteString(indent)
	if strings.HasPrefix(rest, `"`) {
		if end := closingQuote(rest); end > 0 && strings.HasPrefix(rest[end+1:], ": ") {
			b.WriteString(st.JSONKey.Render(rest[:end+1]))
			b.WriteString(st.JSONPunct.Render(":") + " ")
			rest = rest[end+3:]
		}
	}
	value, comma := strings.CutSuffix(rest, ",")
	switch {
	case strings.HasPrefix(value, `"`):
		b.WriteString(st.JSONString.Render(value))
	case value == "true" || value == "false":
		b.WriteString(st.JSONBool.Render(value))
	case value == "null":
		b.WriteString(st.JSONNull.Render(value))
	case value == "{" || value == "}" || value == "[" || value == "]" || value == "{}" || value == "[]":
		b.WriteString(st.JSONPunct.Render(value))
	default:
		b.WriteString(st.JSONNumber.Render(value))
	}
	if comma {
		b.WriteString(st.JSONPunct.Render(","))
	}
	return b.String()
}

// closingQuote finds the quote that ends the string starting at s[0].
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
