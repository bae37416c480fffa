// Package headerlines reads "Name: value" lines, the form in which triggers
// and steps take HTTP headers and other name/value settings, and says which
// names look like they carry a credential. The http_poll trigger and the
// http.request step share it, so that both read the same text the same way
// and call the same names secret.
package headerlines

import (
	"fmt"
	"strings"
)

// Pair is one "Name: value" line, both sides trimmed.
type Pair struct{ Name, Value string }

// Parse splits "Name: value" lines (a form may join them with "; " when it
// shows them on one line, so a line break is what separates them here).
// Blank lines are skipped; bad lists the 1-based numbers of the lines that
// are not "Name: value".
func Parse(text string) (pairs []Pair, bad []int) {
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			bad = append(bad, i+1)
			continue
		}
		pairs = append(pairs, Pair{strings.TrimSpace(name), strings.TrimSpace(val)})
	}
	return pairs, bad
}

// Check says what is wrong with header lines: a line that is not
// "Name: value", a name that is not an HTTP header name, or a value with a
// line break. It never quotes a value (they may be secret).
func Check(text string) error {
	pairs, bad := Parse(text)
	if len(bad) > 0 {
		return fmt.Errorf("line %d is not \"Name: value\"", bad[0])
	}
	for _, p := range pairs {
		if !ValidName(p.Name) {
			return fmt.Errorf("%q is not an HTTP header name (letters, digits and - only)", p.Name)
		}
		if strings.ContainsAny(p.Value, "\r\n") {
			return fmt.Errorf("the value of %s holds a line break", p.Name)
		}
	}
	return nil
}

// ValidName reports whether s is a header name as oktaflow accepts them:
// letters, digits, '-', '_' and '.'.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// SecretLooking reports whether a header or query parameter name looks like
// it carries a credential (api_key, X-Api-Key, token, sig, password, ...).
func SecretLooking(name string) bool {
	n := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(name))
	switch n {
	case "key", "sig", "pwd", "pass", "auth", "code", "jwt":
		return true
	}
	for _, part := range []string{"token", "secret", "passw", "apikey", "accesskey", "signature", "credential", "privatekey", "sessionid", "authorization", "clientsecret"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return strings.HasSuffix(n, "key")
}
