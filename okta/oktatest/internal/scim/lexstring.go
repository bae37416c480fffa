package scim

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// lexString reads a double-quoted string with JSON escapes. Raw bytes other
// than '"' and '\' (control characters and invalid UTF-8 included) are
// taken literally: the input has already been URL-decoded by the server.
func (l *lexer) lexString() (token, *SyntaxError) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	for {
		if l.pos >= len(l.src) {
			return token{}, errAt(start, "unterminated string")
		}
		c := l.src[l.pos]
		switch c {
		case '"':
			l.pos++
			return token{kind: tokString, pos: start, text: l.src[start:l.pos], val: b.String()}, nil
		case '\\':
			if err := l.unescape(&b); err != nil {
				return token{}, err
			}
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
}

// simpleEscapes maps the byte after '\' to what it stands for.
var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unescape decodes the escape at l.pos (a backslash) into b.
func (l *lexer) unescape(b *strings.Builder) *SyntaxError {
	at := l.pos
	if at+1 >= len(l.src) {
		return errAt(at, "unterminated escape in string")
	}
	c := l.src[at+1]
	if r, ok := simpleEscapes[c]; ok {
		b.WriteByte(r)
		l.pos += 2
		return nil
	}
	if c != 'u' {
		r, _ := utf8.DecodeRuneInString(l.src[at+1:])
		return errAt(at, "invalid escape \\%c in string", r)
	}
	r, ok := l.hex4(at + 2)
	if !ok {
		return errAt(at, "invalid \\u escape in string: want 4 hex digits")
	}
	l.pos = at + 6
	if utf16.IsSurrogate(r) {
		// A high surrogate must be followed by an escaped low one.
		lo, ok := rune(0), false
		if r < 0xdc00 && strings.HasPrefix(l.src[l.pos:], `\u`) {
			lo, ok = l.hex4(l.pos + 2)
		}
		if r = utf16.DecodeRune(r, lo); !ok || r == utf8.RuneError {
			return errAt(at, "invalid \\u escape in string: unpaired surrogate")
		}
		l.pos += 6
	}
	b.WriteRune(r)
	return nil
}

// hex4 decodes the four hex digits at src[i:].
func (l *lexer) hex4(i int) (rune, bool) {
	if i+4 > len(l.src) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(l.src[i : i+4]) {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
