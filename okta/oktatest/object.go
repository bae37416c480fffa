package oktatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
)

// object is a JSON object that keeps its keys in insertion order, so that
// responses read like Okta's (id first, _links last). The order carries no
// meaning for clients; key sets do.
type object []member

type member struct {
	key string
	val any
}

// set adds key or replaces its value in place.
func (o *object) set(key string, val any) {
	for i := range *o {
		if (*o)[i].key == key {
			(*o)[i].val = val
			return
		}
	}
	*o = append(*o, member{key, val})
}

// get returns the value of key.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// MarshalJSON writes the members in order, without HTML escaping (Okta
// sends "&" and "<" as they are).
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := encodeJSON(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := encodeJSON(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodeJSON marshals v like json.Marshal but without HTML escaping.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// lookupPath resolves a dotted attribute path (profile.firstName, target.id)
// in a rendered resource for the SCIM matcher: objects are indexed by key,
// and an array on the way fans out over its elements. A JSON null is
// (nil, true); a path that reaches nothing is (nil, false).
func lookupPath(v any, path string) (any, bool) {
	seg, rest, more := strings.Cut(path, ".")
	switch x := v.(type) {
	case object:
		child, ok := x.get(seg)
		if !ok || !more {
			return child, ok
		}
		return lookupPath(child, rest)
	case map[string]any:
		child, ok := x[seg]
		if !ok || !more {
			return child, ok
		}
		return lookupPath(child, rest)
	case []object:
		return lookupEach(len(x), func(i int) any { return x[i] }, path)
	case []any:
		return lookupEach(len(x), func(i int) any { return x[i] }, path)
	}
	return nil, false
}

// lookupEach resolves path in each of n elements and gathers what is found.
func lookupEach(n int, elem func(int) any, path string) (any, bool) {
	var found []any
	for i := range n {
		if v, ok := lookupPath(elem(i), path); ok {
			found = append(found, v)
		}
	}
	return found, found != nil
}

// UnmarshalJSON reads a JSON object keeping its key order; nested objects
// become object too, arrays []any, numbers float64.
func (o *object) UnmarshalJSON(data []byte) error {
	v, err := decodeOrdered(data)
	if err != nil {
		return err
	}
	obj, isObj := v.(object)
	if !isObj {
		return &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeFor[object]()}
	}
	*o = obj
	return nil
}

// decodeOrdered decodes one JSON value, objects as object.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("oktatest: trailing data after JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				obj.set(kt.(string), v)
			}
			_, err := dec.Token() // '}'
			return obj, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token() // ']'
			return arr, err
		}
		return nil, errors.New("oktatest: unexpected JSON delimiter")
	}
	return tok, nil
}
