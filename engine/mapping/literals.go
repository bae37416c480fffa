package mapping

import (
	"fmt"
	"strconv"
	"unicode/utf16"
)

// checkEscapes refuses a \u escape of half a UTF-16 surrogate pair
// (\ud800–\udfff) in a text literal ("…" or '…'; raw `…` strings have no
// escapes). Such an escape is not a character: expr turns it into U+FFFD
// ("�") without a word, and a pair pasted from JSON ("\ud83d\ude00") into
// two of them. JSON input is another matter: there Go's rule holds (a lone
// one becomes U+FFFD, a pair the character), see DecodeJSON.
func checkEscapes(code string) error {
	for i := 0; i < len(code); i++ {
		quote := code[i]
		switch quote {
		case '`':
			i = skipString(code, i) - 1
			continue
		case '"', '\'':
		default:
			continue
		}
		for j := i + 1; j < len(code) && code[j] != quote; j++ {
			if code[j] != '\\' {
				continue
			}
			j++
			if j >= len(code) || code[j] != 'u' {
				continue
			}
			r, ok := hex4(code[j+1:])
			if !ok || r < 0xD800 || r > 0xDFFF {
				continue
			}
			esc := code[j-1 : j+5]
			if r < 0xDC00 && j+10 < len(code) && code[j+5] == '\\' && code[j+6] == 'u' {
				if low, ok := hex4(code[j+7:]); ok && low >= 0xDC00 && low <= 0xDFFF {
					pair := utf16.DecodeRune(r, low)
					return fmt.Errorf("%s%s is a UTF-16 surrogate pair, as JSON writes %q: in a template write \\U%08X (or the character itself)", esc, code[j+5:j+11], string(pair), pair)
				}
			}
			return fmt.Errorf("%s is half of a UTF-16 surrogate pair, not a character (it would become \uFFFD): write the character itself, or \\U followed by its 8 hex digits", esc)
		}
		i = skipString(code, i) - 1
	}
	return nil
}

// hex4 reads the 4 hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	return rune(n), err == nil
}
