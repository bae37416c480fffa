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

func newIntegrationCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "integration",
		Aliases: []string{"integrations", "int"},
		Short:   "Import, export, inspect, switch and test integrations",
		Args:    usageArgs(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newIntImportCmd(g), newIntExportCmd(g), newIntListCmd(g), newIntShowCmd(g),
		newIntSwitchCmd(g, true), newIntSwitchCmd(g, false), newIntDeleteCmd(g), newIntTestCmd(g), newIntRunCmd(g), newIntResetTriggerCmd(g))
	return cmd
}

func newIntImportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create an integration from a JSON document (- reads standard input; it starts OFF); prints its id",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := g.readInput(cmd, args[0], "document")
			if err != nil {
				return err
			}
			s, err := g.open(cmd.Context(), false, nil)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.sess.Import(cmd.Context(), data)
			var ps engine.Problems
			if errors.As(err, &ps) {
				return fmt.Errorf("%s has %s; nothing was imported:\n  %s", args[0], plural(len(ps), "problem", "problems"), strings.ReplaceAll(ps.Error(), "\n", "\n  "))
			}
			if err := audited(cmd, err); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			in := res.Integration
			fmt.Fprintln(cmd.OutOrStdout(), in.ID)
			fmt.Fprintf(cmd.ErrOrStderr(), "Imported %q (OFF). Switch it on: oktaflow integration enable %s\n", in.Name, in.ID)
			if in.Trigger.Type == "webhook" {
				base, note := g.hookBase()
				fmt.Fprintf(cmd.ErrOrStderr(), "Webhook: POST %s/hooks/%s%s; the secret: oktaflow integration show %s --show-secret\n",
					base, in.ID, note, in.ID)
			}
			return nil
		},
	}
	markFileArg(cmd, "pipe the document: ssh … integration import - < onboard.json")
	return cmd
}

func newIntExportCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "export ID",
		Short: "Print an integration as a JSON document (secrets left out)",
		Args:  exactArgs(1),
		RunE: g.withReader(func(cmd *cobra.Command, args []string, s *engine.Session) error {
			doc, err := s.Export(args[0])
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), doc)
		}),
	}
}

func newIntListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List integrations with their state, trigger health and last run",
		Args:  usageArgs(cobra.NoArgs),
		RunE: g.withReader(func(cmd *cobra.Command, _ []string, s *engine.Session) error {
			list, err := s.Integrations()
			if err != nil {
				return err
			}
			health, err := s.TriggerHealths()
			if err != nil {
				return err
			}
			if asJSON {
				docs := make([]map[string]any, len(list))
				for i, in := range list {
					docs[i] = map[string]any{"id": in.ID, "name": in.Name, "enabled": in.Enabled, "trigger": in.Trigger.Type,
						"steps": len(in.Steps), "health": healthJSON(health[in.ID])}
				}
				return printJSON(cmd.OutOrStdout(), docs)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No integrations yet. Create one: oktaflow integration import FILE")
				return nil
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "ID\tNAME\tSTATE\tTRIGGER\tHEALTH\tSTEPS\tLAST RUN")
			now := time.Now()
			failing := 0
			for _, in := range list {
				last := "—"
				if runs, err := s.Runs(storage.RunQuery{IntegrationID: in.ID, Limit: 1}); err == nil && len(runs) > 0 {
					last = fmt.Sprintf("%s %s", runs[0].State, ago(runs[0].CreatedAt, now))
				}
				h := health[in.ID]
				if h.State == storage.HealthFailing {
					failing++
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", in.ID, in.Name, onOff(in.Enabled), in.Trigger.Type, healthText(h, now, 60), len(in.Steps), last)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if failing > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s cannot poll; see oktaflow integration show ID for the last error\n", plural(failing, "trigger", "triggers"))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// healthText is a trigger's health in a few words: "ok", "failing ×3 for
// 2m: connection refused", "—" before its first poll (and for push
// triggers, which have none).
func healthText(h storage.TriggerHealth, now time.Time, width int) string {
	switch h.State {
	case storage.HealthOK:
		return "ok"
	case storage.HealthFailing:
		return clip(fmt.Sprintf("failing ×%d, last %s: %s", h.Failures, ago(h.LastErrorAt, now), oneLine(h.LastError)), width)
	}
	return "—"
}

// healthJSON is a trigger's health for --json (null before its first poll).
func healthJSON(h storage.TriggerHealth) any {
	if h.State == "" {
		return nil
	}
	return h
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

func newIntShowCmd(g *globals) *cobra.Command {
	var showSecret bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an integration (secrets masked unless --show-secret)",
		Args:  exactArgs(1),
		RunE: g.withReader(func(cmd *cobra.Command, args []string, s *engine.Session) error {
			in, err := s.Integration(args[0])
			if err != nil {
				return err
			}
			doc, err := s.Export(in.ID)
			if err != nil {
				return err
			}
			out := map[string]any{"id": in.ID, "enabled": in.Enabled, "document": doc, "created": in.CreatedAt, "updated": in.UpdatedAt}
			h, err := s.TriggerHealth(in.ID)
			if err != nil {
				return err
			}
			if h.State != "" {
				out["triggerHealth"] = h
			}
			if h.State == storage.HealthFailing {
				fmt.Fprintf(cmd.ErrOrStderr(), "The trigger cannot poll: %s (failing ×%d since %s)\n", oneLine(h.LastError), h.Failures,
					h.LastErrorAt.Local().Format(time.DateTime))
			}
			if in.Enabled {
				out["enabledAt"] = in.EnabledAt
			}
			secrets := map[string]string{}
			for k, v := range in.Trigger.Secrets {
				secrets[k] = v.Mask()
				if showSecret {
					clear, err := s.RevealSecret(in.ID, k)
					if err := audited(cmd, err); err != nil {
						return err
					}
					secrets[k] = clear.Reveal()
				}
			}
			if len(secrets) > 0 {
				out["secrets"] = secrets
			}
			if in.Trigger.Type == "webhook" {
				base, _ := g.hookBase()
				out["webhook"] = "POST " + base + "/hooks/" + in.ID + " with Authorization: Bearer <secret>"
			}
			return printJSON(cmd.OutOrStdout(), out)
		}),
	}
	cmd.Flags().BoolVar(&showSecret, "show-secret", false, "print the trigger's secrets in clear")
	return cmd
}

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
			if err != nil {
				return err
			}
			if err := g.confirm(cmd, yes, true, fmt.Sprintf("Delete %q (%s)?", in.Name, in.ID),
				"Its queued runs are cancelled; its finished runs stay in the history. Export it first to keep the document."); err != nil {
				return err
			}
			if err := audited(cmd, s.sess.DeleteIntegration(cmd.Context(), args[0])); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

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
	if err := printRun(cmd.OutOrStdout(), r, false); err != nil {
		return err
	}
	if r.State != storage.RunSucceeded {
		return fmt.Errorf("run %d %s", r.ID, r.State)
	}
	return nil
}

func newIntResetTriggerCmd(g *globals) *cobra.Command {
	var from string
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset-trigger ID [--from TIME]",
		Short: "Make an ON integration's trigger read from now (or --from) again, as switching it ON does",
		Long: "Forgets where the trigger had got to (its cursor), so that its next poll starts over from now,\n" +
			"or from --from: a CSV trigger takes the rows its file holds now as seen, a polled API the items it lists\n" +
			"now (or those after --from, where the trigger can tell). What it has already seen does not fire again,\n" +
			"and queued runs stay.",
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
