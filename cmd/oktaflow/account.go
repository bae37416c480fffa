package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

func newAccountCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Connect and manage accounts: Okta orgs (API token or OAuth service app) and Kissflow",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAccountAddCmd(g), newAccountAddSandboxCmd(g), newAccountListCmd(g), newAccountShowCmd(g), newAccountVerifyCmd(g), newAccountRemoveCmd(g), newAccountSchemaCmd(g))
	return cmd
}

func newAccountAddSandboxCmd(g *globals) *cobra.Command {
	var asApp bool
	cmd := &cobra.Command{
		Use:   "add-sandbox NAME",
		Short: "Create a sandbox account: a simulated Okta org run inside oktaflow, to try things without a real org",
		Long: "Creates a simulated Okta org seeded with a few users, the groups Engineering and Sales and the\n" +
			"custom attributes employeeId and startDate, and connects it as an account. Its users, groups,\n" +
			"schema and System Log are kept in a file beside the database; it starts on a free loopback port\n" +
			"whenever oktaflow runs. An integration built against it can be pointed at a real account later\n" +
			"by changing each step's account.",
		Example: "  oktaflow account add-sandbox playground\n  oktaflow account add-sandbox playground-app --oauth",
		Args:    exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			in := engine.SandboxInput{Name: args[0]}
			if asApp {
				in.Auth = storage.AuthOAuth
			}
			a, err := s.sess.CreateSandboxWith(cmd.Context(), in)
			if err := audited(cmd, err); err != nil {
				return err
			}
			file, err := s.sess.SandboxFile(a.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Authenticated as %s\n", a.VerifiedAs)
			fmt.Fprintf(cmd.OutOrStdout(), "Sandbox org state is kept in %s\n", file)
			fmt.Fprintf(cmd.ErrOrStderr(), "Added sandbox account %s. Its org gets a new loopback port each time oktaflow starts.\n", a.Name)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asApp, "oauth", false, "sign in as an OAuth 2.0 service app (private key JWT, DPoP) instead of with an API token")
	return cmd
}

func newAccountListCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List accounts (tokens masked)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: g.withReader(func(cmd *cobra.Command, _ []string, s *engine.Session) error {
			list, err := s.Accounts()
			if err != nil {
				return err
			}
			if asJSON {
				if list == nil {
					list = []storage.Account{} // "[]", not "null"
				}
				return printJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No accounts yet. Connect one: oktaflow account add (at a terminal it asks)")
				return nil
			}
			w := table(cmd.OutOrStdout())
			fmt.Fprintln(w, "NAME\tKIND\tORG\tVERIFIED AS\tVERIFIED\tSECRET")
			now := time.Now()
			for _, a := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, accountKind(a), a.OrgURL, verifiedShort(a), ago(a.VerifiedAt, now), accountSecret(a))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newAccountShowCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one account: its org, how it signs in (an OAuth app's scopes in full), who uses it (secrets masked)",
		Args:  exactArgs(1),
		RunE: g.withReader(func(cmd *cobra.Command, args []string, s *engine.Session) error {
			a, err := s.Account(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), a)
			}
			users, err := s.AccountUsers(a.ID)
			if err != nil {
				return err
			}
			w := table(cmd.OutOrStdout())
			row := func(k, v string) {
				if v != "" {
					fmt.Fprintf(w, "%s\t%s\n", k, v)
				}
			}
			row("Name", a.Name)
			row("ID", a.ID)
			row("Kind", accountKind(a))
			row("Org", a.OrgURL)
			if a.IsOAuth() {
				row("Client ID", a.OAuthClientID)
				row("Key ID", a.OAuthKeyID)
				row("Scopes", strings.Join(a.OAuthScopes, " "))
				row("DPoP", yesNo(!a.DPoPKey.IsZero()))
			}
			if a.Kind == storage.AccountKissflow {
				row("Region", a.Region)
				row("Account ID", a.KissflowAccountID)
				row("Access key ID", a.KissflowAccessKeyID)
			}
			row("Secret", accountSecret(a))
			row("Verified as", a.VerifiedAs)
			row("Verified", ago(a.VerifiedAt, time.Now()))
			used := "no integration"
			if len(users) > 0 {
				used = strings.Join(users, ", ")
			}
			row("Used by", used)
			return w.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newAccountVerifyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "verify NAME",
		Short: "Check an account's token again",
		Args:  exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			a, err := s.sess.VerifyAccount(cmd.Context(), args[0])
			if err := audited(cmd, err); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Authenticated as %s\n", a.VerifiedAs)
			return nil
		}),
	}
}

func newAccountRemoveCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an account (refused while an integration uses it); asks first at a terminal",
		Args:  exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			a, err := s.sess.Account(args[0])
			if err != nil {
				return err
			}
			// An account in use is refused below (saying by whom): no question first.
			if users, err := s.sess.AccountUsers(a.ID); err == nil && len(users) == 0 {
				if err := g.confirm(cmd, yes, true, fmt.Sprintf("Remove the account %s (%s)?", a.Name, a.OrgURL),
					"Its credentials are deleted; connecting it again means typing them again."); err != nil {
					return err
				}
			}
			if err := audited(cmd, s.sess.RemoveAccount(args[0])); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed account %s\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

func newAccountSchemaCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh-schema NAME",
		Short: "Re-read the org's user schema (base and custom attributes)",
		Args:  exactArgs(1),
		RunE: g.withSession(false, func(cmd *cobra.Command, args []string, s *session) error {
			sc, err := s.sess.RefreshSchema(cmd.Context(), args[0])
			if err := audited(cmd, err); err != nil {
				return err
			}
			var custom []string
			for _, f := range sc.Fields {
				if f.Custom {
					custom = append(custom, f.Name)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s, %d custom", plural(len(sc.Fields), "profile field", "profile fields"), len(custom))
			if len(custom) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), ": %s", strings.Join(custom, ", "))
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return nil
		}),
	}
}

// accountKind names an account's kind and, for Okta, how it signs in.
func accountKind(a storage.Account) string {
	if a.IsOAuth() {
		return a.Kind + " (oauth)"
	}
	return a.Kind
}

// verifiedShort is what an account was verified as, narrow enough for a
// table row: an OAuth app's scopes counted, not listed (account show lists
// them).
func verifiedShort(a storage.Account) string {
	if !a.IsOAuth() || a.VerifiedAs == "" {
		return a.VerifiedAs
	}
	s := "client " + a.OAuthClientID + " (" + plural(len(a.OAuthScopes), "scope", "scopes")
	if !a.DPoPKey.IsZero() {
		s += ", DPoP"
	}
	return s + ")"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// accountSecret shows which secret an account holds, masked.
func accountSecret(a storage.Account) string {
	if a.IsOAuth() {
		return "private key (sealed)"
	}
	return a.Token.Mask()
}
