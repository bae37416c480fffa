package main

import (
	"errors"
	"fmt"
	"io"
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
			list, damaged, err := s.IntegrationsChecked()
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
				// The array stays readable JSON: what cannot be read is said
				// on standard error.
				printDamaged(cmd.ErrOrStderr(), damaged)
				return printJSON(cmd.OutOrStdout(), docs)
			}
			if len(list) == 0 && len(damaged) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No integrations yet. Create one: oktaflow integration import FILE")
				return nil
			}
			if len(list) == 0 {
				printDamaged(cmd.OutOrStdout(), damaged)
				return nil
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "ID\tNAME\tSTATE\tTRIGGER\tHEALTH\tSTEPS\tLAST RUN")
			now := time.Now()
			failing, warned := 0, 0
			for _, in := range list {
				last := "—"
				if runs, err := s.Runs(storage.RunQuery{IntegrationID: in.ID, Limit: 1}); err == nil && len(runs) > 0 {
					last = fmt.Sprintf("%s %s", runs[0].State, ago(runs[0].CreatedAt, now))
				}
				h := health[in.ID]
				if h.State == storage.HealthFailing {
					failing++
				}
				if current, _ := h.CurrentWarnings(now); len(current) > 0 {
					warned++
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", in.ID, in.Name, onOff(in.Enabled), in.Trigger.Type, healthText(h, now, 60), len(in.Steps), last)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			printDamaged(cmd.OutOrStdout(), damaged)
			if failing > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s cannot poll; see oktaflow integration show ID for the last error\n", plural(failing, "trigger", "triggers"))
			}
			if warned > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s with warnings (rows skipped, files waiting); see oktaflow integration show ID for which\n", plural(warned, "trigger", "triggers"))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printDamaged writes a line for each record a listing had to leave out
// because it cannot be read: which, why, and the way out.
func printDamaged(w io.Writer, damaged []storage.RecordProblem) {
	for _, p := range damaged {
		fmt.Fprintln(w, damagedLine(p))
	}
}

// damagedLine is a listing's line for a record that cannot be read.
func damagedLine(p storage.RecordProblem) string {
	switch p.Bucket {
	case "integrations":
		if errors.Is(p.Err, storage.ErrSecretKey) {
			return fmt.Sprintf("integration %s: its secrets cannot be opened (%v); start oktaflow with the secret key they were sealed with, or delete it with: oktaflow integration delete %s",
				p.Key, p.Err, p.Key)
		}
		return fmt.Sprintf("integration %s: damaged record (%v); delete it with: oktaflow integration delete %s (or restore a backup to get it back)", p.Key, p.Err, p.Key)
	case "runs":
		return fmt.Sprintf("run %s: damaged record (%v); it cannot be shown or retried; restore a backup to get it back", p.Key, p.Err)
	}
	return p.Error()
}

// healthText is a trigger's health in a few words: "ok", "failing ×3 for
// 2m: connection refused", "—" before its first poll (and for push
// triggers, which have none).
func healthText(h storage.TriggerHealth, now time.Time, width int) string {
	switch h.State {
	case storage.HealthOK:
		if current, more := h.CurrentWarnings(now); len(current) > 0 {
			n := len(current) + more
			return "ok, " + plural(n, "warning", "warnings")
		}
		return "ok"
	case storage.HealthFailing:
		return clip(fmt.Sprintf("failing ×%d, last %s: %s", h.Failures, ago(h.LastErrorAt, now), oneLine(h.LastError)), width)
	}
	return "—"
}

// printWarnings names what a working trigger skipped or waits for, one
// line each (the JSON on standard output carries them too).
func printWarnings(w io.Writer, h storage.TriggerHealth, now time.Time) {
	current, more := h.CurrentWarnings(now)
	if len(current) == 0 {
		return
	}
	fmt.Fprintf(w, "The trigger skipped or waits for %s:\n", plural(len(current)+more, "item", "items"))
	for _, wn := range current {
		kind := "skipped"
		if wn.Standing {
			kind = "standing"
		}
		fmt.Fprintf(w, "  %s %s (%s): %s\n", wn.At.Local().Format(time.DateTime), kind, wn.Reason, oneLine(wn.Message))
	}
	if more > 0 {
		fmt.Fprintf(w, "  … and %d more\n", more)
	}
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
				since := h.FailingSince
				if since.IsZero() { // stored before the start of a streak was
					since = h.LastErrorAt
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "The trigger cannot poll: %s (failing ×%d since %s)\n", oneLine(h.LastError), h.Failures,
					since.Local().Format(time.DateTime))
			}
			printWarnings(cmd.ErrOrStderr(), h, time.Now())
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
