package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// The integration commands that run its steps: test (once, for real, on
// an event) and run (queued like a triggered event).

func newIntTestCmd(g *globals) *cobra.Command {
	var eventFile string
	var yes bool
	cmd := &cobra.Command{
		Use:   "test ID [--event FILE]",
		Short: "Run the steps once, for real, on the trigger's latest item (or the given event) and print each step's output",
		Long: "Runs the integration's steps once against their accounts and prints each step's JSON output or the\n" +
			"error. It acts for real (it may create or deactivate users), creates no run and moves no trigger cursor.\n" +
			"Without --event it takes the trigger's latest item (a real pending item), so at a terminal it shows\n" +
			"it and asks first; a script says --yes. Integrations whose steps only read are not asked about.",
		Args: exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			in, err := s.sess.Integration(args[0])
			if err != nil {
				return err
			}
			var event map[string]any
			if eventFile != "" {
				event, err = g.readEvent(cmd, eventFile)
			} else {
				fmt.Fprintln(cmd.ErrOrStderr(), "Fetching the trigger's latest item…")
				event, err = s.sess.Sample(cmd.Context(), in)
				if none := (*engine.NoSampleError)(nil); errors.As(err, &none) {
					err = fmt.Errorf("%w: give an event with --event FILE", err)
				}
			}
			if err != nil {
				return err
			}
			if eventFile == "" && !engine.ReadOnlyIntegration(in) {
				title := fmt.Sprintf("Run %s of %q for real on this item?", plural(len(in.Steps), "step", "steps"), in.Name)
				if err := g.confirm(cmd, yes, false, title, testDetail(s.sess, in, event)); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			out, err := s.sess.TestIntegration(ctx, in, event)
			if err := audited(cmd, err); err != nil {
				return err
			}
			if err := printJSON(cmd.OutOrStdout(), out); err != nil {
				return err
			}
			for _, o := range out {
				if o.Error != nil {
					return fmt.Errorf("step %s failed: %s", o.StepID, o.Error.Message)
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&eventFile, "event", "", "a JSON file with the event (- for standard input)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask: run the steps on the trigger's latest item")
	markFileFlag(cmd, "event", "pipe the event: ssh … --event - < event.json")
	return cmd
}

// testDetail says what a test on a trigger's item would act on: the item,
// and each step's account.
func testDetail(s *engine.Session, in storage.Integration, event map[string]any) string {
	var b strings.Builder
	ev, _ := json.Marshal(event)
	fmt.Fprintf(&b, "The item: %s\n", clip(string(ev), 300))
	for _, st := range in.Steps {
		where := st.Account
		if a, err := s.Account(st.Account); err == nil {
			where = fmt.Sprintf("%s (%s)", a.Name, a.OrgURL)
			if a.Kind == storage.AccountSandbox {
				where += ", a sandbox"
			}
		}
		fmt.Fprintf(&b, "Step %s: %s on %s\n", st.ID, st.Action, where)
	}
	b.WriteString("Each step acts for real; nothing is undone afterwards.")
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func newIntRunCmd(g *globals) *cobra.Command {
	var eventFile string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "run ID --event FILE",
		Short: "Run an integration now with the given event (a manual trigger) and wait for it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if eventFile == "" {
				return &usageError{errors.New("--event FILE is required (- reads standard input)")}
			}
			event, err := g.readEvent(cmd, eventFile)
			if err != nil {
				return err
			}
			s, err := g.open(cmd.Context(), !noWait, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			events := s.sess.Subscribe(cmd.Context())
			id, err := s.sess.RunNow(args[0], event)
			if err := audited(cmd, err); err != nil {
				return err
			}
			s.Focus(id)
			if noWait {
				fmt.Fprintf(cmd.OutOrStdout(), "Queued run %d; it runs when oktaflow serve (or the app) is running\n", id)
				return nil
			}
			return finishRun(cmd, s, events, id)
		},
	}
	cmd.Flags().StringVar(&eventFile, "event", "", "a JSON file with the event (- for standard input)")
	markFileFlag(cmd, "event", "pipe the event: ssh … --event - < event.json")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "queue the run and return")
	return cmd
}

// finishRun waits for a run executing in this process and prints it.
func finishRun(cmd *cobra.Command, s *session, events <-chan engine.Event, id storage.RunID) error {
	r, err := waitRun(cmd.Context(), cmd, s.sess, events, id)
	if err != nil {
		return err
	}
	if err := printRun(cmd.OutOrStdout(), r, currentVersion(s.sess, r), false); err != nil {
		return err
	}
	if r.State != storage.RunSucceeded {
		return fmt.Errorf("run %d %s", r.ID, r.State)
	}
	return nil
}
