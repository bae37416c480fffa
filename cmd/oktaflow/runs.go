package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

func newRunsCmd(g *globals) *cobra.Command {
	var q storage.RunQuery
	var state, before string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, newest first (page on with --before)",
		Example: "  oktaflow runs --state failed\n" +
			"  oktaflow runs --limit 500 --json\n" +
			"  oktaflow runs --before 1200     # the page after run 1200",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if before != "" {
				id, err := storage.ParseRunID(before)
				if err != nil {
					return &usageError{fmt.Errorf("--before: %w", err)}
				}
				q.Before = id
			}
			if state != "" {
				st, err := storage.ParseRunState(state)
				if err != nil {
					return &usageError{err}
				}
				q.State = st
			}
			if q.Limit < 1 || q.Limit > 10000 {
				return &usageError{fmt.Errorf("--limit must be between 1 and 10000")}
			}
			s, done, err := g.reader()
			if err != nil {
				return err
			}
			defer done()
			runs, damaged, err := s.RunsChecked(q)
			if err != nil {
				return err
			}
			if len(runs) == q.Limit {
				defer fmt.Fprintf(cmd.ErrOrStderr(), "More runs: %s\n", nextPage(q, state, asJSON, runs[len(runs)-1].ID))
			}
			if asJSON {
				if runs == nil {
					runs = []storage.Run{}
				}
				// The array stays readable JSON: what cannot be read is said
				// on standard error.
				printDamaged(cmd.ErrOrStderr(), damaged)
				return printJSON(cmd.OutOrStdout(), runs)
			}
			if len(runs) == 0 && len(damaged) > 0 {
				printDamaged(cmd.OutOrStdout(), damaged)
				return nil
			}
			if len(runs) == 0 {
				if q.Before != 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "No runs match before run %d.\n", q.Before)
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), "No runs match.")
				}
				return nil
			}
			names := map[string]string{}
			if list, err := s.Integrations(); err == nil {
				for _, in := range list {
					names[in.ID] = in.Name
				}
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "RUN\tINTEGRATION\tSTATE\tATTEMPT\tCREATED\tRESULT")
			now := time.Now()
			for _, r := range runs {
				name := names[r.IntegrationID]
				if name == "" {
					name = r.IntegrationID + " (deleted)"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\n", r.ID, name, r.State, r.Attempt, ago(r.CreatedAt, now), summary(r))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			printDamaged(cmd.OutOrStdout(), damaged)
			return nil
		},
	}
	cmd.Flags().StringVar(&q.IntegrationID, "integration", "", "only this integration's runs")
	cmd.Flags().StringVar(&state, "state", "", "only runs in this state (queued, running, retrying, waiting, succeeded, failed, cancelled)")
	cmd.Flags().IntVar(&q.Limit, "limit", 50, "at most this many runs (1-10000; page on with --before)")
	cmd.Flags().StringVar(&before, "before", "", "only runs older than this RUN-ID: the next page after the last one shown")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// nextPage is the command line of the page after the one shown.
func nextPage(q storage.RunQuery, state string, asJSON bool, last storage.RunID) string {
	parts := []string{"oktaflow runs"}
	if q.IntegrationID != "" {
		parts = append(parts, "--integration "+q.IntegrationID)
	}
	if state != "" {
		parts = append(parts, "--state "+state)
	}
	if q.Limit != 50 {
		parts = append(parts, fmt.Sprintf("--limit %d", q.Limit))
	}
	if asJSON {
		parts = append(parts, "--json")
	}
	return strings.Join(append(parts, fmt.Sprintf("--before %d", last)), " ")
}

// summary is a run's result in a few words: each step's outcome, or the error.
func summary(r storage.Run) string {
	if r.Error != nil && !r.State.Final() || r.State == storage.RunFailed || r.State == storage.RunCancelled {
		if r.Error != nil {
			return clip(r.Error.Message, 80)
		}
	}
	var parts []string
	for _, s := range r.Steps {
		var out struct {
			Outcome string `json:"outcome"`
		}
		if s.Succeeded && json.Unmarshal(s.Output, &out) == nil && out.Outcome != "" {
			parts = append(parts, s.StepID+": "+out.Outcome)
		}
	}
	return strings.Join(parts, ", ")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func newRunCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Show or retry one run",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show RUN-ID",
		Short: "Show a run: the event, each step's input, output and error, attempts and timings",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := storage.ParseRunID(args[0])
			if err != nil {
				return &usageError{err}
			}
			s, done, err := g.reader()
			if err != nil {
				return err
			}
			defer done()
			r, err := s.Run(id)
			if err != nil {
				return err
			}
			return printRun(cmd.OutOrStdout(), r, currentVersion(s, r), asJSON)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	retry := &cobra.Command{
		Use:   "retry RUN-ID",
		Short: "Retry a failed or cancelled run (steps that succeeded are not repeated) and wait for it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := storage.ParseRunID(args[0])
			if err != nil {
				return &usageError{err}
			}
			s, err := g.open(cmd.Context(), true, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			events := s.sess.Subscribe(cmd.Context())
			s.Focus(id)
			_, err = s.sess.RetryRun(id)
			if err := audited(cmd, err); err != nil {
				return err
			}
			return finishRun(cmd, s, events, id)
		},
	}
	cmd.AddCommand(show, retry)
	return cmd
}

// currentVersion is the version its integration is at now (0: deleted,
// or unreadable: the run is shown all the same).
func currentVersion(s *engine.Session, r storage.Run) int {
	in, err := s.Integration(r.IntegrationID)
	if err != nil {
		return 0
	}
	return in.Version
}

// printRun writes a run for people, or as JSON. now is the version its
// integration is at now (0 when unknown).
func printRun(w io.Writer, r storage.Run, now int, asJSON bool) error {
	if asJSON {
		return printJSON(w, struct {
			storage.Run
			IntegrationVersion int `json:"integrationVersion,omitempty"` // the integration's version now
		}{r, now})
	}
	fmt.Fprintf(w, "Run %d  %s  (attempt %d)\n", r.ID, strings.ToUpper(string(r.State)), r.Attempt)
	fmt.Fprintf(w, "Integration  %s   trigger %s\n", r.IntegrationID, r.Trigger)
	switch {
	case r.Version == 0:
	case now != 0 && now != r.Version:
		fmt.Fprintf(w, "Version      ran version %d; the integration is now at version %d\n", r.Version, now)
	default:
		fmt.Fprintf(w, "Version      %d\n", r.Version)
	}
	fmt.Fprintf(w, "Created      %s\n", r.CreatedAt.Local().Format(time.DateTime))
	if !r.FinishedAt.IsZero() {
		fmt.Fprintf(w, "Finished     %s (%s)\n", r.FinishedAt.Local().Format(time.DateTime), r.FinishedAt.Sub(r.CreatedAt).Round(time.Millisecond))
	} else if !r.NextDue.IsZero() && !r.State.Final() {
		fmt.Fprintf(w, "Next try     %s\n", r.NextDue.Local().Format(time.DateTime))
	}
	if r.Error != nil {
		fmt.Fprintf(w, "Error        %s\n", errorText(r.Error))
	}
	printAttempts(w, r)
	fmt.Fprintf(w, "\nEvent\n%s\n", indentJSON(r.Event))
	for _, s := range r.Steps {
		status := "succeeded"
		if !s.Succeeded {
			status = "failed"
		}
		fmt.Fprintf(w, "\nStep %s: %s in %s\n", s.StepID, status, s.FinishedAt.Sub(s.StartedAt).Round(time.Millisecond))
		in, _ := json.Marshal(s.Input)
		fmt.Fprintf(w, "  Input   %s\n", in)
		if len(s.Output) > 0 {
			fmt.Fprintf(w, "  Output\n%s\n", indent(indentJSON(s.Output), "    "))
		}
		if s.Error != nil {
			fmt.Fprintf(w, "  Error   %s\n", errorText(s.Error))
		}
	}
	return nil
}

// printAttempts lists a retried run's attempts, oldest first.
func printAttempts(w io.Writer, r storage.Run) {
	if len(r.Attempts) < 2 {
		return
	}
	fmt.Fprintf(w, "\nAttempts\n")
	for _, a := range r.Attempts {
		end := string(a.End)
		if end == "" {
			end = "running"
		}
		line := fmt.Sprintf("  #%d  %s  %s", a.N, end, a.StartedAt.Local().Format(time.DateTime))
		if !a.FinishedAt.IsZero() {
			line += fmt.Sprintf(" (%s)", a.FinishedAt.Sub(a.StartedAt).Round(time.Millisecond))
		}
		line += fmt.Sprintf("  version %d", a.Version)
		if a.Step != "" {
			line += "  step " + a.Step
		}
		fmt.Fprintln(w, line)
		if a.Error != nil {
			fmt.Fprintf(w, "      %s\n", errorText(a.Error))
		}
	}
}

func errorText(e *storage.StepError) string {
	s := e.Message
	if e.RequestID != "" && !strings.Contains(s, e.RequestID) {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// indentJSON indents a stored JSON document as it is, never decoding it:
// numbers keep every digit (an id past float64's 53 bits, 1.50) and fields
// their order. What is not JSON is shown as it is.
func indentJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, bytes.TrimSpace(raw), "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
