package storage

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Masking is idempotent and rune-safe: a masked secret masked again (a
// viewer's redacted record printed through its JSON form) is unchanged, and
// a secret of multi-byte characters never shows half a character.
func TestSecretMaskIdempotentAndRuneSafe(t *testing.T) {
	for _, c := range []struct {
		secret Secret
		want   string
	}{
		{"", ""},
		{"short", "••••••••"},
		{"dev-token", "••••••••"},
		{"00abcdefghijklmnopqrstuvwxyz", "••••••••wxyz"},
		// 16 runes, 44 bytes: long enough by runes, its tail whole characters
		{"€€€€€€€€€€€€€€€€", "••••••••€€€€"},
		{"pässwörd-ünïcödé-ñ", "••••••••dé-ñ"},
		// 15 runes but more than 16 bytes: too short to show a tail
		{"ééééééééééééééé", "••••••••"},
	} {
		got := c.secret.Mask()
		if got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.secret, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Mask(%q) = %q is not valid UTF-8", c.secret, got)
		}
		for range 3 {
			again := Secret(got).Mask()
			if again != got {
				t.Errorf("Mask is not idempotent: Mask(%q) = %q", got, again)
			}
			got = again
		}
		js, _ := Secret(got).MarshalJSON()
		if !utf8.Valid(js) || strings.ContainsRune(string(js), utf8.RuneError) {
			t.Errorf("JSON of a masked %q: %s", c.secret, js)
		}
	}
}
