package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui/console"
)

// TestCompletionOverSSH: `ssh host completion bash|zsh|fish` prints the
// shell's completion script, for an admin and a viewer (it reads and
// changes nothing), as the local CLI does; an unknown shell is a usage
// error saying which shells there are.
func TestCompletionOverSSH(t *testing.T) {
	runner := remoteRunner(&session{})
	for _, role := range []engine.Role{engine.RoleAdmin, engine.RoleViewer} {
		id := console.Identity{Role: role, Fingerprint: "SHA256:x"}
		for shell, want := range map[string]string{
			"bash": "__start_oktaflow", "zsh": "#compdef oktaflow", "fish": "complete -c oktaflow",
		} {
			var out, errOut bytes.Buffer
			code := runner(context.Background(), id, []string{"completion", shell}, strings.NewReader(""), &out, &errOut)
			if code != 0 || !strings.Contains(out.String(), want) {
				t.Errorf("%s: completion %s over SSH: exit %d, stderr %q, stdout starts %q", role, shell, code, errOut.String(), clip(out.String(), 200))
			}
			local, _, _ := cli(t, context.Background(), "", "completion", shell)
			if out.String() != local {
				t.Errorf("%s: completion %s over SSH differs from the local CLI's", role, shell)
			}
		}
		var out, errOut bytes.Buffer
		if code := runner(context.Background(), id, []string{"completion", "tcsh"}, strings.NewReader(""), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "bash") {
			t.Errorf("%s: completion tcsh over SSH: exit %d, stderr %q", role, code, errOut.String())
		}
	}
}
