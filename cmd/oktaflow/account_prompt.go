package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"charm.land/huh/v2"
	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// Kinds of account the form offers.
const (
	askToken    = "token"
	askOAuth    = "oauth"
	askKissflow = "kissflow"
)

// askAccount asks at the terminal for an account to add, checking each
// answer as it is given where oktaflow can (the name, the domain, the key
// file). It asks in two forms, the kind and name first, then that kind's
// fields, so that no question of another kind is ever shown.
func (g *globals) askAccount(cmd *cobra.Command, s *engine.Session, name string) (engine.AccountInput, error) {
	kind := askToken
	first := []huh.Field{
		huh.NewSelect[string]().Title("What do you want to connect?").Options(
			huh.NewOption("An Okta org, with an API token", askToken),
			huh.NewOption("An Okta org, as an OAuth 2.0 service app (private key JWT)", askOAuth),
			huh.NewOption("A Kissflow account (access key)", askKissflow),
		).Value(&kind),
	}
	if name == "" {
		first = append(first, huh.NewInput().Title("Account name").
			Description("How integrations name it: letters, digits, - and _").
			Placeholder("acme").Value(&name).Validate(func(v string) error { return checkNewAccountName(s, v) }))
	} else if err := checkNewAccountName(s, name); err != nil {
		return engine.AccountInput{}, err
	}
	if err := g.runForm(cmd, huh.NewForm(huh.NewGroup(first...))); err != nil {
		return engine.AccountInput{}, err
	}
	name = strings.TrimSpace(name)
	switch kind {
	case askOAuth:
		return g.askOAuth(cmd, s, name)
	case askKissflow:
		return g.askKissflow(cmd, name)
	}
	return g.askToken(cmd, name)
}

func checkNewAccountName(s *engine.Session, name string) error {
	name = strings.TrimSpace(name)
	if err := storage.ValidateName(name); err != nil {
		return err
	}
	if _, err := s.Account(name); err == nil {
		return fmt.Errorf("an account named %q exists already; pick another name", name)
	}
	return nil
}

// domainField asks for an Okta domain and says, as it is typed, the org
// URL it means or what is wrong with it.
func domainField(domain *string, org *engine.OrgDomain) *huh.Input {
	return huh.NewInput().Title("Okta domain").Placeholder("acme.okta.com").Value(domain).
		DescriptionFunc(func() string {
			if strings.TrimSpace(*domain) == "" {
				return "acme.okta.com, acme.oktapreview.com, or your custom domain"
			}
			d, err := engine.CheckOrgDomain(*domain)
			if err != nil {
				return err.Error()
			}
			return "→ " + d.OrgURL
		}, domain).
		Validate(func(v string) error {
			d, err := engine.CheckOrgDomain(v)
			if err == nil {
				*org = d
			}
			return err
		})
}

func required(what string) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s is required", what)
		}
		return nil
	}
}

func (g *globals) askToken(cmd *cobra.Command, name string) (engine.AccountInput, error) {
	var domain, token string
	var org engine.OrgDomain
	form := huh.NewForm(huh.NewGroup(
		domainField(&domain, &org),
		huh.NewInput().Title("API token").Description("Admin Console → Security → API → Tokens; the input is hidden").
			EchoMode(huh.EchoModePassword).Value(&token).Validate(required("the token")),
	))
	if err := g.runForm(cmd, form); err != nil {
		return engine.AccountInput{}, err
	}
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "SSWS "))
	return engine.AccountInput{Name: name, Domain: domain, AllowHTTP: org.AllowHTTP, Token: storage.Secret(token)}, nil
}

func (g *globals) askOAuth(cmd *cobra.Command, s *engine.Session, name string) (engine.AccountInput, error) {
	var domain, clientID, keyFile, keyID string
	var org engine.OrgDomain
	var key []byte
	needs, err := s.OAuthScopes(name)
	if err != nil {
		return engine.AccountInput{}, err
	}
	var scopes []string
	options := make([]huh.Option[string], 0, len(needs))
	for _, n := range needs {
		label := n.Scope
		if len(n.For) > 0 {
			label += " — " + strings.Join(n.For, "; ")
		}
		options = append(options, huh.NewOption(label, n.Scope).Selected(n.Needed))
	}
	form := huh.NewForm(
		huh.NewGroup(
			domainField(&domain, &org),
			huh.NewInput().Title("Client ID").Description("The service app's client id (Applications → the app → General)").
				Placeholder("0oa…").Value(&clientID).Validate(required("the client id")),
			huh.NewInput().Title("Private key file").Description("PEM (PKCS#1, PKCS#8, EC) or JWK; it is sealed in the database, never shown again").
				Placeholder("app-private.pem").Value(&keyFile).Validate(func(v string) error {
				data, err := readKeyFile(v)
				if err == nil {
					key = data
				}
				return err
			}),
			huh.NewInput().Title("Key ID (kid)").Description("As registered in the app's public keys; leave empty for the JWK's own").Value(&keyID),
		),
		huh.NewGroup(
			huh.NewMultiSelect[string]().Title("Scopes to request").
				Description("Granted in the app's Okta API Scopes tab; the ones oktaflow needs are selected").
				Options(options...).Value(&scopes).
				Validate(func(v []string) error {
					if len(v) == 0 {
						return errors.New("pick at least one scope")
					}
					return nil
				}),
		),
	)
	if err := g.runForm(cmd, form); err != nil {
		return engine.AccountInput{}, err
	}
	return engine.AccountInput{Name: name, Domain: domain, AllowHTTP: org.AllowHTTP, Auth: storage.AuthOAuth,
		ClientID: strings.TrimSpace(clientID), KeyID: strings.TrimSpace(keyID), PrivateKey: storage.Secret(key), Scopes: scopes}, nil
}

// readKeyFile reads a private key file named at the prompt (local only:
// over SSH there is no prompt).
func readKeyFile(path string) ([]byte, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, errors.New("the private key file is required")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	if fi.IsDir() || fi.Size() > 1<<20 {
		return nil, fmt.Errorf("%s is not a key file (PEM or JWK)", path)
	}
	return os.ReadFile(path)
}

func (g *globals) askKissflow(cmd *cobra.Command, name string) (engine.AccountInput, error) {
	var host, accountID, keyID, secret, processes string
	region := "com"
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Kissflow subdomain").Description("acme for acme.kissflow.com, or the full host").
			Placeholder("acme").Value(&host).Validate(required("the subdomain")),
		huh.NewSelect[string]().Title("Region").Options(
			huh.NewOption("kissflow.com", "com"), huh.NewOption("kissflow.eu (EU accounts)", "eu"),
		).Value(&region),
		huh.NewInput().Title("Account ID").Description("In Kissflow: Admin → Account details").
			Placeholder("Ac…").Value(&accountID).Validate(required("the account id")),
		huh.NewInput().Title("Access key ID").Description("Of a user with the Process Admin role on the processes you use").
			Value(&keyID).Validate(required("the access key id")),
		huh.NewInput().Title("Access key secret").Description("The input is hidden").
			EchoMode(huh.EchoModePassword).Value(&secret).Validate(required("the access key secret")),
		huh.NewInput().Title("Process IDs to check now (optional)").Description("Comma-separated; the Process Admin role is checked on each").
			Value(&processes),
	))
	if err := g.runForm(cmd, form); err != nil {
		return engine.AccountInput{}, err
	}
	var ids []string
	for _, p := range strings.Split(processes, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ids = append(ids, p)
		}
	}
	return engine.AccountInput{Name: name, Kind: storage.AccountKissflow, KissflowHost: strings.TrimSpace(host), KissflowRegion: region,
		KissflowAccountID: strings.TrimSpace(accountID), AccessKeyID: strings.TrimSpace(keyID),
		AccessKeySecret: storage.Secret(strings.TrimSpace(secret)), ProcessIDs: ids}, nil
}
