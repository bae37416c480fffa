package trigger

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// textDecoding is how a CSV file's bytes become text: UTF-8 as it is (nil
// charmap), or an ASCII-compatible single-byte character set. Single-byte
// sets keep one byte per character, which is what lets the cursor count
// bytes of the file from characters of the text (see decode).
type textDecoding struct {
	name string
	cm   *charmap.Charmap
}

// lookupEncoding resolves an encoding name (IANA names and aliases such as
// windows-1252, latin1, iso-8859-15; then the WHATWG labels).
func lookupEncoding(name string) (textDecoding, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "utf-8") || strings.EqualFold(name, "utf8") {
		return textDecoding{name: "utf-8"}, nil
	}
	var enc encoding.Encoding
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		enc = e
	} else if e, err := htmlindex.Get(name); err == nil {
		enc = e
	}
	unsupported := fmt.Errorf("encoding %q is not supported: use utf-8, or a single-byte character set such as windows-1252, iso-8859-1 (latin1) or iso-8859-15", name)
	switch {
	case enc == nil:
		return textDecoding{}, unsupported
	case enc == unicode.UTF8:
		return textDecoding{name: "utf-8"}, nil
	}
	cm, ok := enc.(*charmap.Charmap)
	if !ok || !asciiCompatible(cm) {
		return textDecoding{}, unsupported
	}
	return textDecoding{name: name, cm: cm}, nil
}

// asciiCompatible reports whether the set keeps ASCII as it is, so that
// delimiters, quotes and line breaks are the same bytes (not EBCDIC).
func asciiCompatible(cm *charmap.Charmap) bool {
	for b := range 128 {
		if cm.DecodeByte(byte(b)) != rune(b) {
			return false
		}
	}
	return true
}

// decode turns raw bytes into UTF-8 text. For UTF-8 the bytes are the text.
func (d textDecoding) decode(raw []byte) []byte {
	if d.cm == nil {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/8)
	for _, b := range raw {
		out = utf8.AppendRune(out, d.cm.DecodeByte(b))
	}
	return out
}

// rawOffset is how many bytes of the file the first n bytes of decoded
// text came from.
func (d textDecoding) rawOffset(text []byte, n int) int {
	if d.cm == nil {
		return n
	}
	return utf8.RuneCount(text[:n]) // one character per byte
}
