package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/tui"
	"github.com/oktaflow/oktaflow/tui/console"
)

// Commands over SSH run in serve's process, on its store and engine. Some
// make no sense there (they would start another server or touch the file
// serve holds); viewers may only run the ones that change nothing.
var (
	localOnly = []string{"", "serve", "sim", "backup", "compact", "completion"}
	readOnly  = []string{"version", "help", "account list", "integration list", "integration show",
		"integration export", "runs", "run show", "audit", "kissflow items"}
)

// remoteRunner runs CLI commands for SSH sessions without a terminal.
func remoteRunner(shared *session) console.RunCommand {
	return func(ctx context.Context, id console.Identity, args []string, in io.Reader, out, errOut io.Writer) int {
		g := &globals{shared: shared, identity: id.Who(), role: id.Role}
		root := newRootCmdFor(g)
		root.SetArgs(args)
		root.SetIn(in)
		root.SetOut(out)
		root.SetErr(errOut)
		if err := allowedRemotely(root.Find, id, args); err != nil {
			fmt.Fprintln(errOut, "oktaflow:", err)
			return 1
		}
		err := root.ExecuteContext(ctx)
		if err == nil {
			return 0
		}
		fmt.Fprintln(errOut, "oktaflow:", err)
		var usage *usageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
}

// allowedRemotely applies the role rules to a command line.
func allowedRemotely(find func([]string) (*cobra.Command, []string, error), id console.Identity, args []string) error {
	c, _, err := find(args)
	if err != nil {
		return nil // cobra reports the unknown command itself
	}
	path := strings.TrimSpace(strings.TrimPrefix(c.CommandPath(), "oktaflow"))
	if slices.Contains(localOnly, path) {
		if path == "" {
			return errors.New("connect with a terminal for the app (ssh -t), or give a command such as: runs --json")
		}
		return fmt.Errorf("%q runs only on the server's own machine, not over SSH", path)
	}
	if id.Role == tui.Viewer {
		if !slices.Contains(readOnly, path) {
			return fmt.Errorf("permission denied: %q changes things and your key has the viewer role; ask an admin", path)
		}
		if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--show-secret") }) {
			return errors.New("permission denied: viewers cannot see secrets")
		}
	}
	// Files named over SSH would be read on the server: pipe them instead.
	if path == "integration import" && !slices.Contains(args, "-") {
		return errors.New("over SSH, pipe the document: ssh … integration import - < onboard.json")
	}
	for i, a := range args {
		if (a == "--event" && i+1 < len(args) && args[i+1] != "-") || (strings.HasPrefix(a, "--event=") && a != "--event=-") {
			return errors.New("over SSH, pipe the event: ssh … integration run ID --event - < event.json")
		}
	}
	return nil
}
