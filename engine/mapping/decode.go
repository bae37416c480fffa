package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
// Anything after the one value is an error.
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

// ExactNumbers applies DecodeJSON's number rule to a value decoded with
// UseNumber (json.Number leaves), in place, and returns it.
func ExactNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = ExactNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = ExactNumbers(e)
		}
	case json.Number:
		return exactNumber(x)
	}
	return v
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
