package tui

import (
	"errors"
	"strings"

	"charm.land/huh/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// fieldsOf is the order of a kind's inputs, by the engine's names
// (AccountErrorField says which one a problem is about).
func (s *accountForm) fieldsOf(kind string) []string {
	switch kind {
	case kindOAuth:
		return []string{engine.FieldDomain, engine.FieldClientID, engine.FieldPrivateKey, engine.FieldKeyID, engine.FieldScopes, engine.FieldName}
	case kindKissflow:
		return []string{engine.FieldDomain, "region", engine.FieldKissflowAccount, engine.FieldAccessKeyID, engine.FieldAccessKeySecret, engine.FieldName}
	}
	return []string{engine.FieldDomain, engine.FieldToken, engine.FieldName}
}

// required is a check that the input holds something.
func required(what string) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New(what)
		}
		return nil
	}
}

func (s *accountForm) domainField(st widget.Styles) *widget.TextField {
	return widget.NewTextField(st, "Okta domain", &s.v.domain).Key(engine.FieldDomain).Placeholder("acme.okta.com").
		Note(domainNote).
		Validate(func(d string) error {
			if strings.TrimSpace(d) == "" {
				return errors.New("type your org's domain, e.g. acme.okta.com")
			}
			_, err := engine.CheckOrgDomain(d)
			return err
		})
}

func (s *accountForm) nameField(st widget.Styles) *widget.TextField {
	return widget.NewTextField(st, "Name", &s.v.name).Key(engine.FieldName).
		PlaceholderFunc(func() string { return orDefault(s.suggestedName(), "acme") }).
		Description("what steps call this account; left empty, the name shown is used").
		Validate(func(n string) error {
			if strings.TrimSpace(n) == "" {
				return nil
			}
			return storage.ValidateName(strings.TrimSpace(n))
		})
}

// secret is a masked input (ctrl+v shows every secret of the form).
func (s *accountForm) secret(f *widget.TextField) *widget.TextField {
	s.secrets = append(s.secrets, f)
	return f
}

func (s *accountForm) tokenPage(st widget.Styles) *huh.Group {
	return huh.NewGroup(s.domainField(st),
		s.secret(widget.NewTextField(st, "API token", &s.v.token).Key(engine.FieldToken).Secret().
			Description("Admin Console → Security → API → Tokens; paste it without \"SSWS\" · ctrl+v shows it").
			Validate(required("paste the API token (Okta shows it once, when it is created)"))),
		s.nameField(st))
}

func (s *accountForm) oauthPage(st widget.Styles) *huh.Group {
	opts := make([]huh.Option[string], 0, len(s.scopes))
	for _, sc := range s.scopes {
		label := sc.Scope
		if len(sc.For) > 0 {
			label += "  (" + strings.Join(sc.For, "; ") + ")"
		}
		opts = append(opts, huh.NewOption(label, sc.Scope).Selected(sc.Needed || hasScope(s.v.scopes, sc.Scope)))
	}
	fields := []huh.Field{s.domainField(st),
		widget.NewTextField(st, "Client ID", &s.v.clientID).Key(engine.FieldClientID).Placeholder("0oa…").
			Description("the service app's client id (Admin Console → Applications → your API service app)").
			Validate(required("paste the app's client id (0oa…)")),
		widget.NewTextArea(st, "Private key", &s.v.privateKey, 4).Key(engine.FieldPrivateKey).
			Description("the PEM (PKCS#1, PKCS#8 or EC) or JWK of the key whose public half the app holds; sealed, never shown again").
			Validate(required("paste the app's private key (PEM or JWK)")),
		widget.NewTextField(st, "Key ID (kid)", &s.v.keyID).Key(engine.FieldKeyID).
			Description("the kid of the app's public key; empty: the JWK's own"),
	}
	if len(opts) > 0 {
		fields = append(fields, huh.NewMultiSelect[string]().Title("Scopes").Key(engine.FieldScopes).
			Description("space picks; the ones the integrations using this account need are picked").
			Options(opts...).Value(&s.v.scopes))
	}
	return huh.NewGroup(append(fields, s.nameField(st))...)
}

func hasScope(list []string, sc string) bool {
	for _, x := range list {
		if x == sc {
			return true
		}
	}
	return false
}

func (s *accountForm) kissflowPage(st widget.Styles) *huh.Group {
	return huh.NewGroup(
		widget.NewTextField(st, "Kissflow host", &s.v.kfHost).Key(engine.FieldDomain).Placeholder("acme").
			Note(func(h string) (string, bool) {
				if strings.TrimSpace(h) == "" {
					return "your subdomain (acme for acme.kissflow.com) or the whole host", false
				}
				origin, err := engine.CheckKissflowHost(h, s.v.kfRegion)
				if err != nil {
					return "✗ " + err.Error(), true
				}
				return "→ " + origin, false
			}).
			Validate(func(h string) error {
				if strings.TrimSpace(h) == "" {
					return errors.New("type the Kissflow subdomain, e.g. acme")
				}
				_, err := engine.CheckKissflowHost(h, s.v.kfRegion)
				return err
			}),
		huh.NewSelect[string]().Title("Region").Key("region").Inline(true).
			Options(huh.NewOption("kissflow.com", "com"), huh.NewOption("kissflow.eu", "eu")).Value(&s.v.kfRegion),
		widget.NewTextField(st, "Account ID", &s.v.kfAccount).Key(engine.FieldKissflowAccount).Placeholder("Ac…").
			Description("Kissflow's account id, as in its API URLs (Ac…)").
			Validate(required("paste the account id (Ac…)")),
		widget.NewTextField(st, "Access key ID", &s.v.kfKey).Key(engine.FieldAccessKeyID).
			Description("an access key of a user with the Process Admin role on the processes you use").
			Validate(required("paste the access key id")),
		s.secret(widget.NewTextField(st, "Access key secret", &s.v.kfSecret).Key(engine.FieldAccessKeySecret).Secret().
			Description("sealed, never shown again · ctrl+v shows it while typing").
			Validate(required("paste the access key secret"))),
		s.nameField(st))
}

// suggestedName is the name used when none is typed: from the domain (an
// Okta org) or the host (a Kissflow account).
func (s *accountForm) suggestedName() string {
	if s.v.kind == kindKissflow {
		origin, err := engine.CheckKissflowHost(s.v.kfHost, s.v.kfRegion)
		if err != nil {
			return ""
		}
		label, _, _ := strings.Cut(acctHost(origin), ".")
		if err := storage.ValidateName(label + "-kissflow"); err != nil {
			return ""
		}
		return label + "-kissflow"
	}
	return suggestedName(s.v.domain)
}

// input is what the engine is asked to add.
func (s *accountForm) input() (engine.AccountInput, string, error) {
	v := s.v
	name := strings.TrimSpace(v.name)
	if name == "" {
		name = s.suggestedName()
	}
	if v.kind == kindKissflow {
		origin, err := engine.CheckKissflowHost(v.kfHost, v.kfRegion)
		if err != nil {
			return engine.AccountInput{}, "", err
		}
		return engine.AccountInput{Name: name, Kind: storage.AccountKissflow, KissflowHost: strings.TrimSpace(v.kfHost),
			KissflowRegion: v.kfRegion, KissflowAccountID: strings.TrimSpace(v.kfAccount), AccessKeyID: strings.TrimSpace(v.kfKey),
			AccessKeySecret: storage.Secret(strings.TrimSpace(v.kfSecret))}, origin, nil
	}
	d, err := engine.CheckOrgDomain(v.domain)
	if err != nil {
		return engine.AccountInput{}, "", err
	}
	in := engine.AccountInput{Name: name, Kind: storage.AccountOkta, Domain: v.domain, AllowHTTP: d.AllowHTTP}
	if v.kind == kindOAuth {
		in.Auth, in.ClientID, in.KeyID = storage.AuthOAuth, strings.TrimSpace(v.clientID), strings.TrimSpace(v.keyID)
		in.PrivateKey, in.Scopes = storage.Secret(strings.TrimSpace(v.privateKey)), v.scopes
		return in, d.OrgURL, nil
	}
	if strings.TrimSpace(v.token) == "" {
		return engine.AccountInput{}, "", &engine.AccountError{Field: engine.FieldToken, Msg: "paste the API token first"}
	}
	in.Auth, in.Token = storage.AuthToken, storage.Secret(strings.TrimSpace(v.token))
	return in, d.OrgURL, nil
}
