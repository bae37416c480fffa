package scim

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind classifies a token.
type tokenKind uint8

const (
	tokEOF    tokenKind = iota
	tokWord             // attribute path, operator or keyword
	tokString           // double-quoted string; val holds it decoded
	tokNumber           // JSON number; num holds its value
	tokLParen
	tokRParen
)

// token is one lexical unit of an expression.
type token struct {
	kind tokenKind
	pos  int    // byte offset of the token's first byte
	text string // source text of the token
	val  string // tokString: the decoded string
	num  float64
}

// is reports whether tok is the word kw in any letter case.
func (t token) is(kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// describe names the token for error messages, quoting at most 40 bytes
// of it: `"eqq"`, `string "x"`, `number 5`, `end of expression`.
func (t token) describe() string {
	clip := func(s string) string {
		if len(s) > 40 {
			return strconv.Quote(s[:40]) + "…"
		}
		return strconv.Quote(s)
	}
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokString:
		return "string " + clip(t.val)
	case tokNumber:
		if len(t.text) > 40 {
			return "number " + t.text[:40] + "…"
		}
		return "number " + t.text
	}
	return clip(t.text)
}

// lexer cuts an expression into tokens on demand, so the first error
// reported is the leftmost one.
type lexer struct {
	src string
	pos int
}

// isWordStart and isWordByte define attribute paths and keywords.
func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isWordByte(c byte) bool {
	return isWordStart(c) || isDigit(c) || c == '.'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token, skipping ASCII whitespace.
func (l *lexer) next() (token, *SyntaxError) {
	for l.pos < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.pos]) >= 0 {
		l.pos++
	}
	start := l.pos
	if start == len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.src[start]
	switch {
	case c == '(' || c == ')':
		l.pos++
		kind := tokLParen
		if c == ')' {
			kind = tokRParen
		}
		return token{kind: kind, pos: start, text: l.src[start:l.pos]}, nil
	case c == '"':
		return l.lexString()
	case isDigit(c) || c == '-' && start+1 < len(l.src) && isDigit(l.src[start+1]):
		return l.lexNumber()
	case isWordStart(c):
		for l.pos < len(l.src) && isWordByte(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokWord, pos: start, text: l.src[start:l.pos]}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError {
		return token{}, errAt(start, "unexpected byte 0x%02x", c)
	}
	return token{}, errAt(start, "unexpected character %q", r)
}

// lexNumber reads a JSON number. The run of word bytes around it is taken
// whole so that "5abc" is reported as a bad number, not as 5 then abc.
func (l *lexer) lexNumber() (token, *SyntaxError) {
	start := l.pos
	l.pos++ // a digit or a '-' followed by a digit
	for l.pos < len(l.src) && (isWordByte(l.src[l.pos]) || l.src[l.pos] == '+' || l.src[l.pos] == '-') {
		l.pos++
	}
	text := l.src[start:l.pos]
	if !isJSONNumber(text) {
		return token{}, errAt(start, "invalid number %q", text)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, errAt(start, "number %s is out of range", text)
	}
	return token{kind: tokNumber, pos: start, text: text, num: f}, nil
}

// isJSONNumber reports whether s is -?int(.digits)?([eE][+-]?digits)? with
// no leading zeros, as in JSON.
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	intStart := i
	if n := digits(); n == 0 || n > 1 && s[intStart] == '0' {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
