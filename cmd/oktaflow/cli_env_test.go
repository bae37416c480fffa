package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// OKTAFLOW_ALLOW_PRIVATE_ADDRESSES takes 1 or true (and 0 or false); any
// other value is refused, naming the variable, rather than read as "no"
// without a word (finding 14). The flag's help says what it governs.
func TestAllowPrivateAddressesEnv(t *testing.T) {
	t.Setenv("OKTAFLOW_DB", filepath.Join(t.TempDir(), "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	ctx := context.Background()
	doc := `{"name": "Poll", "trigger": {"type": "http_poll", "config": {"url": "http://127.0.0.1:9/items", "items_path": "items", "id_field": "id"}},
	  "steps": [{"id": "find", "action": "okta.get_user", "account": "nowhere", "fields": {"login": "x"}}]}`
	for _, c := range []struct {
		env     string
		refused bool // the loopback URL is refused at import
	}{
		{"", true}, {"0", true}, {"false", true},
		{"1", false}, {"true", false}, {"TRUE", false},
	} {
		t.Setenv("OKTAFLOW_ALLOW_PRIVATE_ADDRESSES", c.env)
		_, errOut, _ := cli(t, ctx, doc, "integration", "import", "-")
		if got := strings.Contains(errOut, "loopback"); got != c.refused {
			t.Errorf("OKTAFLOW_ALLOW_PRIVATE_ADDRESSES=%q: refused %v, want %v: %s", c.env, got, c.refused, errOut)
		}
	}
	t.Setenv("OKTAFLOW_ALLOW_PRIVATE_ADDRESSES", "yes")
	if _, errOut, code := cli(t, ctx, "", "integration", "list"); code != 2 || !strings.Contains(errOut, "OKTAFLOW_ALLOW_PRIVATE_ADDRESSES=yes") || !strings.Contains(errOut, "=1") {
		t.Errorf("a value that is not a yes or no: %d %q", code, errOut)
	}
	t.Setenv("OKTAFLOW_ALLOW_PRIVATE_ADDRESSES", "")
	out, _, _ := cli(t, ctx, "", "--help")
	if !strings.Contains(out, "http_poll") || !strings.Contains(out, "http.request") || !strings.Contains(out, "OKTAFLOW_ALLOW_PRIVATE_ADDRESSES=1") {
		t.Errorf("--allow-private-addresses help:\n%s", out)
	}
}
