package trigger

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MinPollInterval keeps a misconfigured trigger from hammering an API.
const MinPollInterval = 5 * time.Second

// Config is a trigger's settings: plain values (as decoded from JSON) and
// secret ones, by field key.
type Config struct {
	Values  map[string]any
	Secrets map[string]string
}

// String returns a plain or secret field as text, or the field's default.
func (c Config) String(spec Spec, key string) string {
	if v, ok := c.Secrets[key]; ok && v != "" {
		return v
	}
	switch v := c.Values[key].(type) {
	case string:
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	}
	for _, f := range spec.Fields {
		if f.Key == key {
			return f.Default
		}
	}
	return ""
}

// List returns a list field: a JSON array of strings or a comma-separated string.
func (c Config) List(spec Spec, key string) []string {
	var raw []string
	switch v := c.Values[key].(type) {
	case []any:
		for _, x := range v {
			raw = append(raw, fmt.Sprint(x))
		}
	case []string:
		raw = v
	default:
		raw = strings.Split(c.String(spec, key), ",")
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Map returns a map field: a JSON object or "Name: value" lines (a secret
// map field, such as http_poll's headers, is sealed as lines).
func (c Config) Map(key string) map[string]string {
	out := map[string]string{}
	if text, ok := c.Secrets[key]; ok && text != "" {
		pairs, _ := mapLines(text)
		for _, p := range pairs {
			out[p[0]] = p[1]
		}
		return out
	}
	switch v := c.Values[key].(type) {
	case map[string]any:
		for k, x := range v {
			out[k] = fmt.Sprint(x)
		}
	case string:
		pairs, _ := mapLines(v)
		for _, p := range pairs {
			out[p[0]] = p[1]
		}
	}
	return out
}

// Bool returns a true/false field, defaulted.
func (c Config) Bool(spec Spec, key string) bool {
	if b, ok := c.Values[key].(bool); ok {
		return b
	}
	v, _ := parseBool(c.String(spec, key))
	return v
}

// Int returns a whole-number field, defaulted (0 when it is not one).
func (c Config) Int(spec Spec, key string) int {
	n, _ := strconv.Atoi(c.String(spec, key))
	return n
}

// text renders a setting as the text a form would hold, for Field.Check:
// lists joined with commas, objects as "Name: value" lines.
func (c Config) text(spec Spec, f Field) string {
	if v, ok := c.Secrets[f.Key]; ok && v != "" {
		return v
	}
	switch v := c.Values[f.Key].(type) {
	case []any, []string:
		return strings.Join(c.List(spec, f.Key), ", ")
	case map[string]any:
		return mapText(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	case string, float64, int:
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			return ""
		}
		return c.String(Spec{}, f.Key)
	default:
		return fmt.Sprint(v)
	}
}

// mapText renders an object as "Name: value" lines, sorted by name.
func mapText(m map[string]any) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	lines := make([]string, len(names))
	for i, k := range names {
		lines[i] = k + ": " + fmt.Sprint(m[k])
	}
	return strings.Join(lines, "\n")
}

// PollInterval returns the poll interval, defaulted and bounded.
func (c Config) PollInterval(spec Spec) time.Duration {
	d, err := time.ParseDuration(c.String(spec, "poll_interval"))
	if err != nil || d < MinPollInterval {
		return max(d, MinPollInterval)
	}
	return d
}

// Problem is one thing wrong with a trigger's settings.
type Problem struct {
	Path string // JSON path in the integration document, e.g. trigger.config.url
	Msg  string
}

func (p Problem) Error() string { return p.Path + ": " + p.Msg }

// Validate checks a trigger's settings and returns every problem at once
// (joined *Problem errors, sorted by path), or nil. Each setting is checked
// by its Field.Check (what a form checks as it is typed); then the rules
// that tie settings together.
func Validate(typ string, c Config) error {
	spec, ok := Lookup(typ)
	if !ok {
		return Problem{Path: "trigger.type", Msg: fmt.Sprintf("unknown trigger type %q (one of %s)", typ, strings.Join(Types(), ", "))}
	}
	var probs []error
	add := func(key, format string, args ...any) {
		probs = append(probs, Problem{Path: "trigger.config." + key, Msg: fmt.Sprintf(format, args...)})
	}
	known := map[string]bool{}
	for _, f := range spec.Fields {
		known[f.Key] = true
		raw := c.text(spec, f)
		if raw == "" {
			raw = f.Default
		}
		if err := f.Check(raw); err != nil {
			add(f.Key, "%v", err)
		}
	}
	unknown := func(key string) {
		keys := make([]string, 0, len(spec.Fields))
		for _, f := range spec.Fields {
			keys = append(keys, f.Key)
		}
		if near := nearestKey(key, keys); near != "" {
			add(key, "unknown setting for a %s trigger; did you mean %s?", typ, near)
			return
		}
		add(key, "unknown setting for a %s trigger (its settings: %s)", typ, strings.Join(keys, ", "))
	}
	for key := range c.Values {
		if !known[key] {
			unknown(key)
		}
	}
	for key := range c.Secrets {
		if !known[key] {
			unknown(key)
		}
	}
	switch typ {
	case Kissflow:
		if c.String(spec, "account") == "" {
			for _, key := range []string{"subdomain", "account_id", "access_key_id", "access_key_secret"} {
				if c.String(spec, key) == "" {
					f, _ := LookupField(typ, key)
					add(key, "%s is required (or pick a Kissflow account)", f.Label)
				}
			}
		}
	case HTTPPoll:
		if c.String(spec, "next_path") != "" && c.String(spec, "next_cursor_path") != "" {
			add("next_cursor_path", "set the next page link path or the next page cursor path, not both")
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].(Problem).Path < probs[j].(Problem).Path })
	return errors.Join(probs...)
}

// nearestKey is the one of keys that key most likely meant: one that
// contains it or is contained in it ("interval" → "poll_interval"), or
// one a couple of letters away ("key_colum"); "" when none is close.
func nearestKey(key string, keys []string) string {
	best, bestDist := "", 3
	for _, k := range keys {
		if len(key) >= 4 && (strings.Contains(k, key) || strings.Contains(key, k)) {
			return k
		}
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
