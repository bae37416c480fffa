package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui/console"
)

// Commands over SSH run in serve's process, on its store and engine. Some
// make no sense there (they would start another server or touch the file
// serve holds); viewers may only run the ones that change nothing (the
// completion scripts read nothing: `ssh host completion bash` prints the
// same script as the local CLI).
var (
	localOnly = []string{"", "serve", "sim", "compact"}
	readOnly  = []string{"version", "help", "account list", "account show", "integration list", "integration show",
		"integration export", "runs", "run show", "audit", "kissflow items", "completion"}
)

// Annotations that mark where a command would touch the server's files.
// Over SSH the server must never open a path the client names: a flag
// marked annotLocal is refused whatever its value, and a file argument or
// flag marked annotFile must be "-" (standard input, or output for backup).
const (
	annotLocal = "oktaflow/local-only"
	annotFile  = "oktaflow/file" // value: how to do it over SSH ("pipe the event: ssh … --event - < event.json")
)

// markFileFlag marks a flag that names a file; how says what to do over SSH.
func markFileFlag(cmd *cobra.Command, name, how string) {
	cmd.Flags().SetAnnotation(name, annotFile, []string{how})
}

// markLocalFlag marks a persistent flag that only the server's own user
// may set (the database, the feeds folder, the address policy).
func markLocalFlag(flags *pflag.FlagSet, name string) {
	flags.SetAnnotation(name, annotLocal, []string{"true"})
}

// markFileArg marks a command whose first argument is a file; how says
// what to do over SSH.
func markFileArg(cmd *cobra.Command, how string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotFile] = how
}

// remoteRunner runs CLI commands for SSH sessions without a terminal.
func remoteRunner(shared *session) console.RunCommand {
	return func(ctx context.Context, id console.Identity, args []string, in io.Reader, out, errOut io.Writer) int {
		g := &globals{shared: shared, identity: id.Who(), role: id.Role, roleNow: id.RoleNow, terminal: id.Terminal}
		root := newRootCmdFor(g)
		root.SetArgs(args)
		root.SetIn(in)
		root.SetOut(out)
		root.SetErr(errOut)
		root.InitDefaultHelpCmd() // so that `ssh host help` finds the help command
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

// allowedRemotely applies the role rules to a command line, before it runs.
// (The engine's Session checks the role again at every call.)
func allowedRemotely(find func([]string) (*cobra.Command, []string, error), id console.Identity, args []string) error {
	c, _, err := find(args)
	if err != nil {
		return nil // cobra reports the unknown command itself
	}
	path := strings.TrimSpace(strings.TrimPrefix(c.CommandPath(), "oktaflow"))
	if slices.ContainsFunc(args, func(a string) bool { return a == "--help" || a == "-h" }) {
		return nil // cobra prints the help and runs nothing
	}
	if slices.Contains(localOnly, path) {
		if path == "" {
			return errors.New("connect with a terminal for the app (ssh -t), or give a command such as: runs --json (help lists them)")
		}
		return fmt.Errorf("%q runs only on the server's own machine, not over SSH", path)
	}
	if id.Role != engine.RoleAdmin {
		if !slices.Contains(readOnly, path) {
			return fmt.Errorf("permission denied: %q changes things and your key has the viewer role; ask an admin", path)
		}
		if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--show-secret") }) {
			return errors.New("permission denied: viewers cannot see secrets")
		}
	}
	return nil
}

// checkRemotePaths refuses, for a command about to run over SSH, every
// flag and argument that would make the server open a path of the
// client's choosing. It runs once the flags are parsed (PersistentPreRunE).
func checkRemotePaths(cmd *cobra.Command, args []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil {
			return
		}
		if _, ok := f.Annotations[annotLocal]; ok {
			err = fmt.Errorf("--%s is refused over SSH: commands there use the server's own database and settings", f.Name)
			return
		}
		if how, ok := f.Annotations[annotFile]; ok && f.Value.String() != "-" {
			err = fmt.Errorf("--%s %s: over SSH the server never opens a file you name; %s", f.Name, f.Value.String(), how[0])
		}
	})
	if err != nil {
		return err
	}
	if how, ok := cmd.Annotations[annotFile]; ok && len(args) > 0 && args[0] != "-" {
		return fmt.Errorf("%s: over SSH the server never opens a file you name; %s", args[0], how)
	}
	return nil
}
