package trigger

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/headerlines"
)

// CheckField checks the text of one setting of a trigger type, as a form
// gets it: the same rule Validate applies at save, so that the two never
// disagree. An empty text is accepted unless the setting is required.
func CheckField(typ, key, raw string) error {
	spec, ok := Lookup(typ)
	if !ok {
		return fmt.Errorf("unknown trigger type %q (one of %s)", typ, strings.Join(Types(), ", "))
	}
	f, ok := LookupField(typ, key)
	if !ok {
		return fmt.Errorf("a %s trigger has no setting %q", spec.Type, key)
	}
	return f.Check(raw)
}

// Check checks the text of this setting: its kind (a URL, a duration, a
// whole number within bounds, ...) and its own rule (a filter compiles, an
// encoding is known). Messages quote the value, except for secret
// settings, and say what would be accepted.
func (f Field) Check(raw string) error {
	v := strings.TrimSpace(raw)
	if v == "" {
		if f.Required {
			return fmt.Errorf("%s is required", f.Label)
		}
		return nil
	}
	shown := strconv.Quote(v)
	if f.Secret {
		shown = "the value"
	}
	switch f.Kind {
	case KindURL:
		if f.Template && strings.Contains(v, "{") {
			break // placeholders are filled in at run time; the result is checked then
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%s is not an http(s) URL such as https://api.example.com/items", shown)
		}
	case KindDuration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s is not a duration such as 30s or 5m", shown)
		}
		if d < f.MinEvery {
			return fmt.Errorf("%s is too often; at most every %s", v, f.MinEvery)
		}
	case KindInt:
		n, err := strconv.Atoi(v)
		lo := max(f.Min, 1)
		switch {
		case err != nil || n < lo:
			if f.Max > 0 {
				return fmt.Errorf("%s is not a whole number from %d to %d", shown, lo, f.Max)
			}
			return fmt.Errorf("%s is not a positive whole number", shown)
		case f.Max > 0 && n > f.Max:
			return fmt.Errorf("%d is more than %d, the most allowed", n, f.Max)
		}
	case KindBool:
		if _, ok := parseBool(v); !ok {
			return fmt.Errorf("%s is not true or false", shown)
		}
	case KindChoice:
		if !slices.ContainsFunc(f.Choices, func(c string) bool { return strings.EqualFold(c, v) }) {
			return fmt.Errorf("%s is not one of %s", shown, strings.Join(f.Choices, ", "))
		}
	case KindMap:
		if err := checkMapLines(raw); err != nil {
			return err
		}
	}
	if f.check != nil {
		return f.check(v)
	}
	return nil
}

// parseBool reads the ways people write a yes or a no.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "on", "1":
		return true, true
	case "false", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}

// mapLines splits "Name: value" lines (see headerlines.Parse, which the
// http.request step reads its secret headers with too).
func mapLines(text string) (pairs [][2]string, bad []int) {
	ps, bad := headerlines.Parse(text)
	for _, p := range ps {
		pairs = append(pairs, [2]string{p.Name, p.Value})
	}
	return pairs, bad
}

func checkMapLines(text string) error {
	if _, bad := mapLines(text); len(bad) > 0 {
		return fmt.Errorf("line %d is not \"Name: value\"", bad[0])
	}
	return nil
}

// checkHeaderLines also checks that each name is an HTTP header name.
func checkHeaderLines(text string) error {
	pairs, _ := mapLines(text)
	for _, p := range pairs {
		if !validHeaderName(p[0]) {
			return fmt.Errorf("%q is not an HTTP header name (letters, digits and - only)", p[0])
		}
		if strings.ContainsAny(p[1], "\r\n") {
			return fmt.Errorf("the value of %s holds a line break", p[0])
		}
	}
	return nil
}

func validHeaderName(s string) bool { return headerlines.ValidName(s) }

func checkDelimiter(v string) error {
	if len([]rune(v)) != 1 || v == "\"" || v == "\n" || v == "\r" {
		return errors.New("the delimiter must be one character, such as , or ;")
	}
	return nil
}

func checkFilter(v string) error {
	_, err := compileFilter(v)
	return err
}

func checkEncoding(v string) error {
	_, err := lookupEncoding(v)
	return err
}

// checkNoSecretQuery refuses a URL that carries a secret-looking query
// parameter: the URL is stored and exported in clear.
func checkNoSecretQuery(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return nil // the URL check says what is wrong
	}
	var names []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && secretLooking(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("the URL carries %s, which looks like a secret: put it under Secret query parameters (stored sealed) instead of in the URL",
		strings.Join(names, ", "))
}

// secretLooking reports whether a query parameter's name looks like it
// carries a credential (api_key, token, sig, password, ...): the one rule,
// shared with the http.request step (headerlines.SecretLooking).
func secretLooking(name string) bool { return headerlines.SecretLooking(name) }
