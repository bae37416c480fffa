package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks a mistake in how the command was called (unknown
// command, bad flag, wrong arguments): exit code 2 instead of 1.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageArgs wraps a cobra argument validator so its errors count as usage errors.
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

// exactArgs is cobra.ExactArgs(n) as a usage error that says in words what
// the command takes ("oktaflow run show takes 1 argument (ID), got none";
// cobra's own says "accepts 1 arg(s), received 0").
func exactArgs(n int) cobra.PositionalArgs { return argCount(n, n) }

// argCount accepts lo to hi arguments, saying so in words when not.
func argCount(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= lo && len(args) <= hi {
			return nil
		}
		got := "none"
		if len(args) > 0 {
			got = strconv.Itoa(len(args))
		}
		takes := plural(hi, "argument", "arguments")
		switch {
		case lo == 0 && hi > 0:
			takes = "at most " + takes
		case lo != hi:
			takes = fmt.Sprintf("%d to %d arguments", lo, hi)
		}
		names := strings.TrimSpace(strings.NewReplacer("[flags]", "", "[", "", "]", "").Replace(strings.TrimPrefix(cmd.Use, cmd.Name())))
		if names != "" {
			takes += " (" + names + ")"
		}
		return &usageError{fmt.Errorf("%s takes %s, got %s; see %s --help", cmd.CommandPath(), takes, got, cmd.CommandPath())}
	}
}

func newRootCmd() *cobra.Command { return newRootCmdFor(&globals{}) }

// newRootCmdFor builds the command tree over g: a fresh globals for the
// local CLI, or one bound to serve's store for a command run over SSH.
func newRootCmdFor(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "oktaflow",
		Short: "Build and run Okta integrations from the terminal",
		Long: "oktaflow connects triggers (Kissflow items, webhooks, HR CSV rows, Okta System Log\n" +
			"events, manual runs) to Okta actions (add a user, get user details, deactivate a\n" +
			"user, ...) and runs them durably within Okta's rate limits.\n\n" +
			"Over SSH (oktaflow serve's console: ssh -p 23234 host COMMAND) the same commands run inside the\n" +
			"server, on its database: documents and events are piped with -, --db is refused.",
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	var httpAddr string
	root.RunE = func(cmd *cobra.Command, _ []string) error { return runTUI(cmd, g, httpAddr) }
	root.Flags().StringVar(&httpAddr, "http-addr", "127.0.0.1:8780", "address of the webhook listener while the app is open")
	root.PersistentFlags().StringVar(&g.db, "db", "", "database file (env OKTAFLOW_DB; default $XDG_DATA_HOME/oktaflow/oktaflow.db)")
	root.PersistentFlags().StringVar(&g.feedsDir, "feeds-dir", "", "the folder CSV triggers may read (env OKTAFLOW_FEEDS_DIR; default: feeds beside the database)")
	root.PersistentFlags().BoolVar(&g.allowPrivate, "allow-private-addresses", false,
		"let http_poll and Kissflow triggers and http.request steps reach loopback, link-local and private addresses (env OKTAFLOW_ALLOW_PRIVATE_ADDRESSES=1)")
	root.PersistentFlags().BoolVar(&g.accessibleFlag, "accessible", false, "ask questions in plain lines, for screen readers (env OKTAFLOW_ACCESSIBLE=1)")
	for _, name := range []string{"db", "feeds-dir", "allow-private-addresses"} {
		markLocalFlag(root.PersistentFlags(), name)
	}
	// Over SSH (g.shared set), the parsed command line is checked for paths
	// before anything runs.
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if g.shared != nil {
			return checkRemotePaths(cmd, args)
		}
		return g.readEnv()
	}
	root.AddCommand(newVersionCmd(), newSimCmd(), newAccountCmd(g), newIntegrationCmd(g), newRunsCmd(g), newRunCmd(g),
		newServeCmd(g), newBackupCmd(g), newCompactCmd(g), newAuditCmd(g), newKissflowCmd(g))
	// Our own completion command: cobra's binds its output when it is added
	// (at Execute), which over SSH is before the session's streams are set.
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newCompletionCmd())
	return root
}
