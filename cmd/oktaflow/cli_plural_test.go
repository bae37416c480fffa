package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// CLI output counts in words: "1 problem", "2 problems", never "(s)"; a
// wrong number of arguments is said the same way (finding 14).
func TestCLIRealPlurals(t *testing.T) {
	t.Setenv("OKTAFLOW_DB", filepath.Join(t.TempDir(), "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	ctx := context.Background()
	oneBad := onboardDoc // its account "sandbox" does not exist
	twoBad := strings.Replace(onboardDoc, `"steps": [`, `"steps": [{"id": "find", "action": "okta.get_user", "account": "nowhere", "fields": {"id": "x"}}, `, 1)
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{oneBad, []string{"integration", "import", "-"}, "has 1 problem;"},
		{twoBad, []string{"integration", "import", "-"}, "has 2 problems;"},
		{"", []string{"integration", "show"}, "takes 1 argument (ID), got none"},
		{"", []string{"integration", "show", "a", "b"}, "takes 1 argument (ID), got 2"},
		{"", []string{"backup"}, "give the FILE to write"},
		{"", []string{"account", "add", "a", "b"}, "takes at most 1 argument (NAME), got 2"},
	} {
		_, errOut, code := cli(t, ctx, c.stdin, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "(s)") {
			t.Errorf("%v: %d %q, want it to say %q", c.args, code, errOut, c.want)
		}
	}
}
