package trigger

import (
	"net/url"
	"slices"
	"strings"
)

// SplitSecrets separates a trigger's settings, as a document or a form
// gives them, into the plain ones (stored and exported as they are) and
// the secret ones, as text, for the engine to seal: every Secret field
// (an object, such as http_poll's headers, becomes "Name: value" lines),
// and, for http_poll, each secret-looking query parameter of the URL,
// which moves to the sealed secret_query setting. values is not changed.
func SplitSecrets(typ string, values map[string]any) (plain map[string]any, secrets map[string]string) {
	spec, _ := Lookup(typ)
	plain = make(map[string]any, len(values))
	for k, v := range values {
		plain[k] = v
	}
	secrets = map[string]string{}
	for _, f := range spec.Fields {
		v, ok := plain[f.Key]
		if !f.Secret || !ok {
			continue
		}
		delete(plain, f.Key)
		var text string
		switch x := v.(type) {
		case string:
			text = x
		case map[string]any:
			text = mapText(x)
		default:
			text = (Config{Values: map[string]any{f.Key: v}}).text(spec, f)
		}
		if strings.TrimSpace(text) != "" {
			secrets[f.Key] = text
		}
	}
	if typ == HTTPPoll {
		if raw, ok := plain["url"].(string); ok {
			clean, moved := splitSecretQuery(raw)
			if len(moved) > 0 {
				plain["url"] = clean
				lines := moved
				if old := secrets["secret_query"]; old != "" {
					lines = append(strings.Split(old, "\n"), moved...)
				}
				secrets["secret_query"] = sortedLines(lines)
			}
		}
	}
	return plain, secrets
}

// splitSecretQuery takes the secret-looking parameters out of a URL's
// query, keeping the others as they were written.
func splitSecretQuery(raw string) (string, []string) {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw, nil
	}
	var keep, moved []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		name, val, _ := strings.Cut(part, "=")
		n, err1 := url.QueryUnescape(name)
		v, err2 := url.QueryUnescape(val)
		if err1 == nil && err2 == nil && secretLooking(n) {
			moved = append(moved, n+": "+v)
			continue
		}
		keep = append(keep, part)
	}
	u.RawQuery = strings.Join(keep, "&")
	return u.String(), moved
}

func sortedLines(lines []string) string {
	lines = slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return strings.TrimSpace(l) == "" })
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
