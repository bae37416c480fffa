package mapping

import (
	"strings"
	"testing"
)

// A \u escape of half a UTF-16 surrogate pair in a template's text
// literal is refused when it is saved, with what to write instead (expr
// would turn it into U+FFFD, "�", silently; a pair pasted from JSON into
// two). Characters written as themselves, \U escapes and raw strings are
// unchanged.
func TestSurrogateEscapesAreRefused(t *testing.T) {
	for src, want := range map[string]string{
		`{{ "\ud800" }}`:              `\ud800 is half of a UTF-16 surrogate pair`,
		`{{ 'x\uDC00' }}`:             `\uDC00 is half of a UTF-16 surrogate pair`,
		`{{ "\ud83d\ude00" }}`:        `write \U0001F600 (or the character itself)`,
		`{{ trigger.a ?? "\ud83d" }}`: `\ud83d is half`,
		`{{ "\\ud800" + "\ud800" }}`:  `\ud800 is half`,
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", src, err, want)
		}
	}
	for src, want := range map[string]string{
		`{{ "\U0001F600" }}`: "😀",
		`{{ "😀" }}`:          "😀",
		`{{ "\u00e9" }}`:     "é",
		`{{ "\\ud800" }}`:    `\ud800`,
		"{{ `\\ud800` }}":    `\ud800`,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got, err := tpl.Eval(Env{}); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", src, got, err, want)
		}
	}
}

// JSON input (events, step outputs) keeps Go's documented rule, as every
// JSON decoder of the engine does: a lone surrogate escape becomes U+FFFD,
// a pair the character it encodes. (Refusing it would refuse another
// system's whole event for one character.)
func TestJSONSurrogatesAreDecodedAsGoDoes(t *testing.T) {
	v, err := DecodeJSONObject([]byte(`{"lone": "a\ud800b", "pair": "\ud83d\ude00"}`))
	if err != nil || v["lone"] != "a\uFFFDb" || v["pair"] != "😀" {
		t.Fatalf("%q, %v", v, err)
	}
}
