package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/storage"
)

func newAuditCmd(g *globals) *cobra.Command {
	var asJSON bool
	var limit int
	var before uint64
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log: who changed what, and when (newest first)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 10000 {
				return &usageError{fmt.Errorf("--limit must be between 1 and 10000")}
			}
			s, done, err := g.reader()
			if err != nil {
				return err
			}
			defer done()
			entries, err := s.Audit(before, limit)
			if err != nil {
				return err
			}
			if len(entries) == limit {
				defer fmt.Fprintf(cmd.ErrOrStderr(), "More entries: oktaflow audit --limit %d --before %d\n", limit, entries[len(entries)-1].Seq)
			}
			if asJSON {
				if entries == nil {
					entries = []storage.AuditEntry{}
				}
				return printJSON(cmd.OutOrStdout(), entries)
			}
			if len(entries) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "The audit log is empty.")
				return nil
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "WHEN\tWHO\tACTION\tTARGET\tDETAIL")
			for _, e := range entries {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Who, e.Action, e.Target, e.Detail)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries (page on with --before)")
	cmd.Flags().Uint64Var(&before, "before", 0, "only entries older than this sequence number (seq in --json)")
	return cmd
}
