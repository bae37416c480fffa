package scim

import (
	"strconv"
	"strings"
	"time"
)

// valueKind is the JSON type of a literal value.
type valueKind uint8

const (
	kindString valueKind = iota
	kindNumber
	kindBool
	kindNull
)

// literal is the value on the right of an operator. It caches what Match
// needs so that evaluating against many resources parses nothing again.
type literal struct {
	kind   valueKind
	text   string    // kindString: the decoded string; kindNumber: the source text, printed verbatim
	folded string    // kindString: text in lower case, used when the dialect folds case
	num    float64   // kindNumber
	b      bool      // kindBool
	t      time.Time // kindString when isTime
	isTime bool      // kindString whose text is an RFC 3339 timestamp
}

func stringLiteral(s string) literal {
	l := literal{kind: kindString, text: s, folded: fold(s)}
	l.t, l.isTime = parseTime(s)
	return l
}

// String prints the literal as it would be written in an expression.
func (l literal) String() string {
	switch l.kind {
	case kindString:
		return quote(l.text)
	case kindNumber:
		return l.text
	case kindBool:
		return strconv.FormatBool(l.b)
	default:
		return "null"
	}
}

// describe names the literal's type for error messages.
func (l literal) describe() string {
	return [...]string{kindString: "string", kindNumber: "number", kindBool: "boolean", kindNull: "null"}[l.kind]
}

// fold maps s to the form case-insensitive comparisons use.
func fold(s string) string { return strings.ToLower(s) }

// parseTime parses an RFC 3339 timestamp as Okta writes them
// ("2020-08-27T18:19:24.000Z"); fractional seconds are optional.
func parseTime(s string) (time.Time, bool) {
	// A cheap shape check first: most strings compared are names, not times.
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// oktaTime formats t the way Okta writes timestamps, for sw/co/ew on times.
func oktaTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// quote writes s as a double-quoted string that the lexer decodes back to s:
// quote, backslash and control characters are escaped; every other byte,
// even one of invalid UTF-8, is copied as is.
func quote(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
