package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// DecodeJSON decodes a JSON value (an event payload, a step's output) so
// that numbers keep their exact value, which float64 would not for large
// ids (2^53 and beyond):
//
//   - a whole number that fits an int64 becomes an int64;
//   - a whole number beyond int64 stays a json.Number: its digits exactly
//     as sent, encoded back to JSON as the same number, and written into
//     text as those digits;
//   - a number with a fraction or an exponent becomes a float64.
//
// Objects are map[string]any and arrays []any, as encoding/json gives.
// Anything after the one value is an error. Text keeps encoding/json's
// rule, as every JSON decoder of the engine does (webhook bodies too): a
// surrogate pair escape ("\ud83d\ude00") is the character it encodes, a
// lone one ("\ud800") becomes U+FFFD, and so do bytes that are not UTF-8.
// (A template's literal refuses a surrogate escape instead: see
// checkEscapes.)
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("more data after the JSON value (at byte %d)", dec.InputOffset())
	}
	return ExactNumbers(v), nil
}

// DecodeJSONObject is DecodeJSON for a value that must be an object.
func DecodeJSONObject(data []byte) (map[string]any, error) {
	v, err := DecodeJSON(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", kindOf(v))
	}
	return m, nil
}

// ExactNumbers returns v with DecodeJSON's number rule applied to its
// json.Number leaves (what a decoder with UseNumber gives) and float64 whole
// numbers left as they are. Maps and lists are copied, never changed: the
// caller's value may be in use elsewhere (a screen's sample).
func ExactNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ExactNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ExactNumbers(e)
		}
		return out
	case json.Number:
		return exactNumber(x)
	}
	return v
}

// exactShared is ExactNumbers that copies only what it changes: v itself
// when it holds no json.Number (the common case: the engine's own decoding
// already gave int64s), so that each evaluation does not copy the event.
func exactShared(v any) any {
	switch x := v.(type) {
	case json.Number:
		return exactNumber(x)
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if c := exactShared(e); changed(c, e) {
				if out == nil {
					out = make(map[string]any, len(x))
					for k2, e2 := range x {
						out[k2] = e2
					}
				}
				out[k] = c
			}
		}
		if out == nil {
			return x
		}
		return out
	case []any:
		var out []any
		for i, e := range x {
			if c := exactShared(e); changed(c, e) {
				if out == nil {
					out = make([]any, len(x))
					copy(out, x)
				}
				out[i] = c
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	return v
}

// changed reports whether exactShared gave something else than e.
func changed(c, e any) bool {
	switch e.(type) {
	case json.Number:
		return true
	case map[string]any:
		return reflect.ValueOf(c).UnsafePointer() != reflect.ValueOf(e).UnsafePointer()
	case []any:
		ce, ee := c.([]any), e.([]any)
		return len(ee) > 0 && &ce[0] != &ee[0]
	}
	return false
}

// ExactEvent is ExactNumbers for an event object.
func ExactEvent(ev map[string]any) map[string]any {
	if ev == nil {
		return nil
	}
	return ExactNumbers(ev).(map[string]any)
}

func exactNumber(n json.Number) any {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return n // a whole number beyond int64: its digits, exactly
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return n
	}
	return f
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a number"
}
