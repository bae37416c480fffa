package trigger

import (
	"errors"
	"fmt"
	"net/url"
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

// Map returns a map field: a JSON object or "Name: value" lines.
func (c Config) Map(key string) map[string]string {
	out := map[string]string{}
	switch v := c.Values[key].(type) {
	case map[string]any:
		for k, x := range v {
			out[k] = fmt.Sprint(x)
		}
	case string:
		for _, line := range strings.Split(v, "\n") {
			if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) != "" {
				out[strings.TrimSpace(name)] = strings.TrimSpace(val)
			}
		}
	}
	return out
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
// (joined *Problem errors, sorted by path), or nil.
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
		val := c.String(spec, f.Key)
		if f.Required && val == "" && !(f.Kind == KindList && len(c.List(spec, f.Key)) > 0) {
			add(f.Key, "%s is required", f.Label)
			continue
		}
		if val == "" {
			continue
		}
		switch f.Kind {
		case KindURL:
			if strings.Contains(val, "{") { // a template such as the Kissflow base URL
				break
			}
			if u, err := url.Parse(val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				add(f.Key, "%q is not an http(s) URL such as https://api.example.com/items", val)
			}
		case KindDuration:
			if d, err := time.ParseDuration(val); err != nil {
				add(f.Key, "%q is not a duration such as 30s or 5m", val)
			} else if d < MinPollInterval {
				add(f.Key, "%s is too often; poll at most every %s", val, MinPollInterval)
			}
		case KindInt:
			if n, err := strconv.Atoi(val); err != nil || n <= 0 {
				add(f.Key, "%q is not a positive whole number", val)
			}
		}
	}
	for key := range c.Values {
		if !known[key] {
			add(key, "unknown setting for a %s trigger", typ)
		}
	}
	if typ == CSV && len([]rune(c.String(spec, "delimiter"))) != 1 {
		add("delimiter", "the delimiter must be one character, such as , or ;")
	}
	if typ == HTTPPoll {
		if f := c.String(spec, "filter"); f != "" {
			if _, err := compileFilter(f); err != nil {
				add("filter", "%v", err)
			}
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].(Problem).Path < probs[j].(Problem).Path })
	return errors.Join(probs...)
}
