package trigger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/jsonpath"
)

// lookupPath walks a dotted path ("data.items", "user.id") through decoded
// JSON. An empty path is the value itself.
func lookupPath(v any, path string) (any, bool) { return jsonpath.Lookup(v, path) }

// scalarString renders an id or cursor value: strings as they are, numbers
// without exponent.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// timeLayouts are the timestamp shapes APIs send (RFC 3339 with or without
// fraction or zone, and Kissflow's space-separated form).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04:05.000Z0700", time.DateOnly}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// compareCursor orders two cursor values: as numbers when both are numbers,
// as times when both are timestamps, else as text.
func compareCursor(a, b string) int {
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if x, ok := parseTime(a); ok {
		if y, ok := parseTime(b); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(a, b)
}

// contentKey is a dedupe key for data without an id: a hash of its JSON
// (encoding/json sorts object keys, so equal data gives equal keys).
func contentKey(prefix string, v any) string {
	raw, _ := json.Marshal(v)
	sum := sha256.Sum256(raw)
	return prefix + hex.EncodeToString(sum[:16])
}
