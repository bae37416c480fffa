package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
)

// newKissflowCmd is `oktaflow kissflow`: the Kissflow sandbox from the
// command line. Create one, list its items, and complete an item as its
// last approver would, to watch a Kissflow trigger fire. Inside serve (over
// SSH) the commands act on serve's running sandboxes.
func newKissflowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kissflow",
		Short: "Work with a Kissflow sandbox: create it, list its items, complete one",
		Args:  usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(newKissflowSandboxCmd(g), newKissflowItemsCmd(g), newKissflowCompleteCmd(g))
	return cmd
}

func newKissflowSandboxCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox NAME",
		Short: "Create a Kissflow sandbox account: a simulated Kissflow account with an onboarding process and items to complete",
		Args:  exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			a, err := s.sess.CreateKissflowSandbox(cmd.Context(), args[0])
			if err := audited(cmd, err); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created the Kissflow sandbox %s (process %s) at %s.\n", a.Name, engine.KissflowSandboxProcess, a.OrgURL)
			fmt.Fprintf(out, "Its items: oktaflow kissflow items --account %s\n", a.Name)
			fmt.Fprintf(out, "A Kissflow trigger on it: {\"type\": \"kissflow\", \"config\": {\"account\": %q, \"process_id\": %q}}\n", a.Name, engine.KissflowSandboxProcess)
			return nil
		}),
	}
}

func newKissflowItemsCmd(g *globals) *cobra.Command {
	var account string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "items",
		Short: "List the items of a Kissflow sandbox",
		Args:  usageArgs(cobra.NoArgs),
		RunE: g.withSession(false, func(cmd *cobra.Command, _ []string, s *session) error {
			items, err := s.sess.KissflowSandboxItems(account)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), items)
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "ID\tSTATUS\tNAME\tEMAIL\tDEPARTMENT\tOKTA USER ID\tCOMPLETED")
			now := time.Now()
			for _, it := range items {
				done := ""
				if !it.CompletedAt.IsZero() {
					done = ago(it.CompletedAt, now)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Status, it.Name, it.Email, it.Department, dash(it.OktaUserID), done)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			for _, it := range items {
				if it.Status == "InProgress" {
					fmt.Fprintf(cmd.OutOrStdout(), "\nComplete one to fire its Kissflow triggers: oktaflow kissflow complete %s\n", it.ID)
					break
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&account, "account", "", "the Kissflow sandbox account (needed when there is more than one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newKissflowCompleteCmd(g *globals) *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "complete ITEM",
		Short: "Complete an item of a Kissflow sandbox (_status Completed, _completed_at now)",
		Long: "Complete an item of a Kissflow sandbox, as its last approver would in Kissflow.\n" +
			"An integration ON with a Kissflow trigger on the sandbox fires at its next poll\n" +
			"(while oktaflow serve or the app runs).",
		Args: exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			it, err := s.sess.CompleteKissflowItem(account, args[0])
			if err := audited(cmd, err); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Completed %s (%s, %s) in %s at %s.\n", it.ID, it.Name, it.Email, it.ProcessID, it.CompletedAt.Local().Format(time.DateTime))
			if !s.shared {
				fmt.Fprintln(cmd.OutOrStdout(), "Its Kissflow triggers fire at their next poll while oktaflow serve or the app runs.")
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&account, "account", "", "the Kissflow sandbox account (needed when there is more than one)")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
