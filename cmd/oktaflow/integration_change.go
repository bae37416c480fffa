package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// The integration commands that change one: enable/disable, delete,
// reset-trigger (each asks first at a terminal where it cannot be undone).

func newIntSwitchCmd(g *globals, on bool) *cobra.Command {
	use, short := "disable ID", "Switch an integration OFF (its queued runs are cancelled)"
	if on {
		use, short = "enable ID", "Switch an integration ON (its trigger starts from now)"
	}
	var from string
	var yes bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var start time.Time
			if from != "" {
				t, err := time.Parse(time.RFC3339, from)
				if err != nil {
					return &usageError{fmt.Errorf("--from %q is not a time like 2026-11-30T09:00:00Z", from)}
				}
				start = t
			}
			s, err := g.open(cmd.Context(), false, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			if !on {
				in, err := s.sess.Integration(args[0])
				if err != nil {
					return err
				}
				if in.Enabled {
					if err := g.confirm(cmd, yes, true, fmt.Sprintf("Switch %q OFF?", in.Name),
						"Its trigger stops, and its queued runs are cancelled."); err != nil {
						return err
					}
				}
			}
			n, err := s.sess.SetEnabled(cmd.Context(), args[0], on, start)
			var ps engine.Problems
			if errors.As(err, &ps) {
				return fmt.Errorf("cannot switch it ON until these are fixed:\n  %s", strings.ReplaceAll(ps.Error(), "\n", "\n  "))
			}
			if err := audited(cmd, err); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", args[0], onOff(on))
			if n > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Cancelled %s\n", plural(n, "queued run", "queued runs"))
			}
			if on {
				fmt.Fprintln(cmd.ErrOrStderr(), "It runs while oktaflow serve (or the app) is running.")
			}
			return nil
		},
	}
	if on {
		cmd.Flags().StringVar(&from, "from", "", "start the trigger from this time (RFC 3339) instead of now")
	} else {
		cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	}
	return cmd
}

func newIntDeleteCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an integration (its finished runs stay in the history); asks first at a terminal",
		Args:  exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			in, err := s.sess.Integration(args[0])
			title := fmt.Sprintf("Delete %q (%s)?", in.Name, in.ID)
			detail := "Its queued runs are cancelled; its finished runs stay in the history. Export it first to keep the document."
			var damaged *storage.RecordError
			switch {
			case errors.As(err, &damaged):
				// A record that cannot be read can still be deleted.
				title = fmt.Sprintf("Delete the damaged integration %s?", args[0])
				detail = fmt.Sprintf("Its record cannot be read (%v), so it cannot be exported first: only a backup can bring it back. "+
					"Its queued runs are cancelled; its finished runs stay in the history.", damaged.Err)
			case err != nil:
				return err
			}
			if err := g.confirm(cmd, yes, true, title, detail); err != nil {
				return err
			}
			if err := audited(cmd, s.sess.DeleteIntegration(cmd.Context(), args[0])); err != nil {
				return err
			}
			if damaged != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s (a damaged record)\n", args[0])
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s\n", args[0])
			}
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

func newIntResetTriggerCmd(g *globals) *cobra.Command {
	var from string
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset-trigger ID [--from TIME]",
		Short: "Make an ON integration's trigger read from now (or --from) again, as switching it ON does",
		Long: "Forgets where the trigger had got to (its cursor), so that its next poll starts over from now,\n" +
			"or from --from: a CSV trigger takes the rows its files hold now as seen (with --from, it reads again\n" +
			"the files modified at or after that time), a polled API the items it lists now (or those after --from,\n" +
			"where the trigger can tell). What it has already seen does not fire again, and queued runs stay.",
		Example: "  oktaflow integration reset-trigger int_abc --from 2026-11-30T09:00:00Z",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var start time.Time
			if from != "" {
				t, err := time.Parse(time.RFC3339, from)
				if err != nil {
					return &usageError{fmt.Errorf("--from %q is not a time like 2026-11-30T09:00:00Z", from)}
				}
				start = t
			}
			s, err := g.open(cmd.Context(), false, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			cur, err := s.sess.Integration(args[0])
			if err != nil {
				return err
			}
			since := "now"
			if !start.IsZero() {
				since = start.Local().Format(time.DateTime)
			}
			if err := g.confirm(cmd, yes, true, fmt.Sprintf("Make %q's trigger read from %s?", cur.Name, since),
				"It forgets where it had got to; with --from, items after that time fire again."); err != nil {
				return err
			}
			in, err := s.sess.ResetTrigger(cmd.Context(), args[0], start)
			if err := audited(cmd, err); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s's trigger reads from %s on\n", in.Name, in.EnabledAt.Local().Format(time.DateTime))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "read from this time (RFC 3339) instead of now")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}
