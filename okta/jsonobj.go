package okta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
)

// Okta's JSON carries more than any client models (new attributes, custom profile keys,
// explicit nulls). The response types keep all of it with the helpers in this file, so that
// decode → encode gives JSON semantically equal to what Okta sent.
//
// How: a type lists its known keys as jsonFields (key + pointer to the Go field). Decoding
// records the original key order and the original bytes of every known key (wire), fills
// the Go fields, and puts every other key into the type's Extra map. Encoding walks the
// original order and, for a known key, re-emits the original bytes when the Go field still
// equals what those bytes decode to (so "2020-08-27T18:19:24.000Z", 1.0 or an explicit null
// come back byte for byte); otherwise it encodes the Go field, or omits it when it is zero.
// Keys that were not in the original are appended: Extra keys sorted, then known fields.
// A known key whose value does not fit its Go type is kept in Extra, not rejected.

// jsonField ties a JSON key to the Go field that models it.
type jsonField struct {
	key string
	ptr any // pointer to the Go field
}

// wire is what a lossless re-encode needs from the decoded original.
type wire struct {
	order []string                   // keys in the order they appeared
	orig  map[string]json.RawMessage // original bytes of the known keys
}

// decodeObject decodes a JSON object into fields and extra (which it allocates when the
// object has unknown keys). A JSON null leaves everything zero.
func decodeObject(data []byte, fields []jsonField, extra *map[string]json.RawMessage) (wire, error) {
	var w wire
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return w, err
	}
	if tok == nil {
		return w, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return w, fmt.Errorf("okta: expected a JSON object, got %v", tok)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return w, err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return w, err
		}
		if i := slices.Index(w.order, key); i >= 0 {
			w.order = slices.Delete(w.order, i, i+1) // a repeated key: the last one wins
		}
		w.order = append(w.order, key)
		f := findField(fields, key)
		if f != nil && json.Unmarshal(raw, f.ptr) == nil {
			if w.orig == nil {
				w.orig = make(map[string]json.RawMessage)
			}
			w.orig[key] = raw
			if *extra != nil {
				delete(*extra, key)
			}
			continue
		}
		if f != nil {
			reflect.ValueOf(f.ptr).Elem().SetZero()
			delete(w.orig, key)
		}
		if *extra == nil {
			*extra = make(map[string]json.RawMessage)
		}
		(*extra)[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return w, err
	}
	return w, nil
}

// encodeObject is decodeObject's inverse; see the file comment for the rules.
func encodeObject(w wire, fields []jsonField, extra map[string]json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	seen := make(map[string]bool, len(w.order)+len(fields))
	emit := func(key string, val []byte) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(val)
	}
	known := func(f *jsonField) error {
		val, ok, err := encodeField(w, f)
		if err == nil && ok {
			emit(f.key, val)
		}
		return err
	}
	for _, key := range w.order {
		seen[key] = true
		if v, ok := extra[key]; ok {
			emit(key, v)
		} else if f := findField(fields, key); f != nil {
			if err := known(f); err != nil {
				return nil, err
			}
		}
	}
	rest := make([]string, 0, len(extra))
	for key := range extra {
		if !seen[key] {
			rest = append(rest, key)
		}
	}
	slices.Sort(rest)
	for _, key := range rest {
		seen[key] = true
		emit(key, extra[key])
	}
	for i := range fields {
		if !seen[fields[i].key] {
			if err := known(&fields[i]); err != nil {
				return nil, err
			}
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encodeField returns the bytes for one known key, or ok=false to omit it.
func encodeField(w wire, f *jsonField) (val []byte, ok bool, err error) {
	cur := reflect.ValueOf(f.ptr).Elem()
	if orig, found := w.orig[f.key]; found {
		fresh := reflect.New(cur.Type())
		if json.Unmarshal(orig, fresh.Interface()) == nil && reflect.DeepEqual(fresh.Elem().Interface(), cur.Interface()) {
			return orig, true, nil
		}
	}
	if cur.IsZero() {
		return nil, false, nil
	}
	val, err = json.Marshal(cur.Interface())
	return val, err == nil, err
}

func findField(fields []jsonField, key string) *jsonField {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}
