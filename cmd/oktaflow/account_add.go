package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// accountAddFlags are account add's flags; which of --oauth and --kissflow
// is set says the kind (neither: an Okta org with an API token).
type accountAddFlags struct {
	domain     string
	tokenStdin bool
	allowHTTP  bool

	oauth      bool
	clientID   string
	privateKey string
	keyID      string
	scopes     []string

	kissflow    bool
	subdomain   string
	region      string
	accountID   string
	accessKeyID string
	secretStdin bool
	processIDs  []string
}

// any reports whether the command line says anything about the account.
func (f *accountAddFlags) any(cmd *cobra.Command) bool {
	for _, name := range []string{"domain", "token-stdin", "oauth", "client-id", "private-key", "key-id", "scopes",
		"kissflow", "subdomain", "region", "account-id", "access-key-id", "access-key-secret-stdin", "process"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

func newAccountAddCmd(g *globals) *cobra.Command {
	var f accountAddFlags
	cmd := &cobra.Command{
		Use:   "add [NAME] [flags]",
		Short: "Connect an account and verify it: an Okta org (API token or OAuth 2.0 service app) or Kissflow",
		Long: "Connects an account and verifies it before it is stored:\n" +
			"  an Okta org with an API token (checked with /api/v1/users/me),\n" +
			"  an Okta org as an OAuth 2.0 service app (--oauth: private key JWT, DPoP; a token is fetched\n" +
			"  and a cheap call made, and a scope Okta did not grant is named),\n" +
			"  a Kissflow account (--kissflow: the access key is checked, and the Process Admin role on\n" +
			"  the --process ids given).\n" +
			"Secrets never go on the command line: the token and the Kissflow key secret are read from\n" +
			"standard input (hidden at a terminal), the private key from a file or standard input (-).\n" +
			"Without flags, at a terminal, it asks for everything (--accessible for plain prompts).",
		Example: "  oktaflow account add                      # at a terminal: asks\n" +
			"  printf '%s' \"$OKTA_TOKEN\" | oktaflow account add acme --domain acme.okta.com --token-stdin\n" +
			"  oktaflow account add acme-app --oauth --domain acme.okta.com --client-id 0oa1b2c3 \\\n" +
			"      --private-key app.pem --scopes okta.users.read,okta.users.manage\n" +
			"  printf '%s' \"$KF_SECRET\" | oktaflow account add kf --kissflow --subdomain acme --region com \\\n" +
			"      --account-id AcAcme01 --access-key-id Ak1 --access-key-secret-stdin --process Onboarding_A00",
		Args: argCount(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if !f.any(cmd) {
				if !interactive(cmd) {
					return &usageError{errors.New("give the account's NAME and flags (see --help), or run it at a terminal to be asked")}
				}
				return g.withSession(false, func(cmd *cobra.Command, _ []string, s *session) error {
					in, err := g.askAccount(cmd, s.sess, name)
					if err != nil {
						return err
					}
					return addAccount(cmd, s.sess, in)
				})(cmd, args)
			}
			if name == "" {
				return &usageError{errors.New("give the account's NAME: oktaflow account add NAME ...")}
			}
			in, err := f.input(cmd, g, name)
			if err != nil {
				return err
			}
			return g.withSession(false, func(cmd *cobra.Command, _ []string, s *session) error {
				if in.Auth == storage.AuthOAuth && len(in.Scopes) == 0 {
					if in.Scopes, err = neededScopes(s.sess, name); err != nil {
						return err
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "Requesting the scopes oktaflow needs: %s (--scopes to choose)\n", strings.Join(in.Scopes, ", "))
				}
				return addAccount(cmd, s.sess, in)
			})(cmd, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", "", "Okta domain: acme.okta.com, https://acme.oktapreview.com, a custom domain")
	fl.BoolVar(&f.tokenStdin, "token-stdin", false, "read the Okta API token from standard input")
	fl.BoolVar(&f.allowHTTP, "allow-http", false, "allow plain http to a loopback host (a local simulator)")
	fl.BoolVar(&f.oauth, "oauth", false, "an OAuth 2.0 service app instead of an API token")
	fl.StringVar(&f.clientID, "client-id", "", "OAuth: the service app's client id (0oa…)")
	fl.StringVar(&f.privateKey, "private-key", "", "OAuth: the app's private key, PEM or JWK, in a FILE or - for standard input")
	fl.StringVar(&f.keyID, "key-id", "", "OAuth: the key's kid as registered in Okta (default: the JWK's own)")
	fl.StringSliceVar(&f.scopes, "scopes", nil, "OAuth: scopes to request, comma-separated (default: those the integrations using the account need)")
	fl.BoolVar(&f.kissflow, "kissflow", false, "a Kissflow account")
	fl.StringVar(&f.subdomain, "subdomain", "", "Kissflow: your subdomain (acme for acme.kissflow.com) or the full host")
	fl.StringVar(&f.region, "region", "com", "Kissflow: com or eu (acme.kissflow.eu)")
	fl.StringVar(&f.accountID, "account-id", "", "Kissflow: the account id (Ac…)")
	fl.StringVar(&f.accessKeyID, "access-key-id", "", "Kissflow: the access key's id")
	fl.BoolVar(&f.secretStdin, "access-key-secret-stdin", false, "Kissflow: read the access key's secret from standard input")
	fl.StringSliceVar(&f.processIDs, "process", nil, "Kissflow: process ids to check the Process Admin role on now (repeat or comma-separate)")
	markFileFlag(cmd, "private-key", "pipe the key: ssh … account add NAME --oauth ... --private-key - < app.pem")
	return cmd
}

// input builds the account from the flags, reading its secrets.
func (f *accountAddFlags) input(cmd *cobra.Command, g *globals, name string) (engine.AccountInput, error) {
	usage := func(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }
	in := engine.AccountInput{Name: name, AllowHTTP: f.allowHTTP}
	switch {
	case f.oauth && f.kissflow:
		return in, usage("--oauth and --kissflow are different kinds of account; give one")
	case f.kissflow:
		if f.domain != "" || f.tokenStdin || f.clientID != "" || f.privateKey != "" {
			return in, usage("a Kissflow account takes --subdomain, --region, --account-id, --access-key-id and --access-key-secret-stdin, not Okta's flags")
		}
		missing := missingFlags(map[string]string{"--subdomain": f.subdomain, "--account-id": f.accountID, "--access-key-id": f.accessKeyID})
		if !f.secretStdin {
			missing = append(missing, "--access-key-secret-stdin")
		}
		if len(missing) > 0 {
			return in, usage("a Kissflow account needs %s", strings.Join(missing, ", "))
		}
		if f.region != "com" && f.region != "eu" {
			return in, usage("--region is com (acme.kissflow.com) or eu (acme.kissflow.eu), not %q", f.region)
		}
		secret, err := readSecret(cmd, "Kissflow access key secret", "--access-key-secret-stdin")
		if err != nil {
			return in, err
		}
		in.Kind, in.KissflowHost, in.KissflowRegion = storage.AccountKissflow, f.subdomain, f.region
		in.KissflowAccountID, in.AccessKeyID, in.AccessKeySecret, in.ProcessIDs = f.accountID, f.accessKeyID, secret, f.processIDs
		return in, nil
	case f.oauth:
		if f.tokenStdin {
			return in, usage("--oauth signs in with the service app's private key (--private-key), not an API token; leave out --token-stdin")
		}
		missing := missingFlags(map[string]string{"--domain": f.domain, "--client-id": f.clientID, "--private-key": f.privateKey})
		if len(missing) > 0 {
			return in, usage("an OAuth service app account needs %s", strings.Join(missing, ", "))
		}
		key, err := g.readInput(cmd, f.privateKey, "private key")
		if err != nil {
			return in, err
		}
		in.Auth, in.Domain, in.ClientID, in.KeyID = storage.AuthOAuth, f.domain, f.clientID, f.keyID
		in.PrivateKey, in.Scopes = storage.Secret(key), f.scopes
		return in, nil
	}
	if f.clientID != "" || f.privateKey != "" || f.keyID != "" || len(f.scopes) > 0 {
		return in, usage("--client-id, --private-key, --key-id and --scopes are for a service app: add --oauth")
	}
	if f.domain == "" {
		return in, usage("--domain is required (your Okta domain, such as acme.okta.com)")
	}
	if !f.tokenStdin {
		return in, usage("give the API token on standard input with --token-stdin (never as an argument: it would land in your shell history)")
	}
	token, err := readSecret(cmd, "Okta API token", "--token-stdin")
	if err != nil {
		return in, err
	}
	in.Domain, in.Token = f.domain, storage.Secret(strings.TrimSpace(strings.TrimPrefix(token.Reveal(), "SSWS ")))
	return in, nil
}

// missingFlags lists the flags (of name → value) left empty, sorted.
func missingFlags(flags map[string]string) []string {
	var out []string
	for _, name := range []string{"--domain", "--subdomain", "--client-id", "--private-key", "--account-id", "--access-key-id"} {
		if v, ok := flags[name]; ok && v == "" {
			out = append(out, name)
		}
	}
	return out
}

// neededScopes are the scopes the account's integrations need (and those
// oktaflow always does: verify, field lists).
func neededScopes(s *engine.Session, account string) ([]string, error) {
	needs, err := s.OAuthScopes(account)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range needs {
		if n.Needed {
			out = append(out, n.Scope)
		}
	}
	return out, nil
}

// addAccount verifies and stores the account and says who it
// authenticated as.
func addAccount(cmd *cobra.Command, s *engine.Session, in engine.AccountInput) error {
	fmt.Fprintln(cmd.ErrOrStderr(), "Verifying…")
	a, err := s.AddAccount(cmd.Context(), in)
	if err := audited(cmd, err); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Authenticated as %s\n", a.VerifiedAs)
	next := fmt.Sprintf("Next: oktaflow account refresh-schema %s", a.Name)
	if a.Kind == storage.AccountKissflow {
		next = "Use it in a Kissflow trigger (setting account) or a kissflow.update_item step"
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Added account %s (%s). %s\n", a.Name, a.OrgURL, next)
	return nil
}

// readSecret reads a secret from standard input: hidden at a terminal,
// else the first line of the input.
func readSecret(cmd *cobra.Command, what, flag string) (storage.Secret, error) {
	in := cmd.InOrStdin()
	var raw string
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s (input hidden): ", what)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		raw = string(b)
	} else {
		line, err := bufio.NewReader(io.LimitReader(in, maxInput)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the %s from standard input: %w", what, err)
		}
		raw = line
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("no %s on standard input; pipe it in, e.g. printf '%%s' \"$SECRET\" | oktaflow account add ... %s", what, flag)
	}
	return storage.Secret(raw), nil
}
