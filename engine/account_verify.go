package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// checkOkta checks and verifies an Okta org's credentials, and returns the
// account to store (without its name).
func (e *Engine) checkOkta(ctx context.Context, in AccountInput) (storage.Account, error) {
	orgURL, err := okta.ParseOrgURL(in.Domain, in.AllowHTTP)
	if err != nil {
		return storage.Account{}, &AccountError{Field: FieldDomain, Msg: err.Error(), Err: err}
	}
	kind := in.Kind
	if kind == "" {
		kind = storage.AccountOkta
	}
	a := storage.Account{Kind: kind, OrgURL: orgURL, AllowHTTP: in.AllowHTTP, Token: in.Token}
	switch in.Auth {
	case "", storage.AuthToken:
		if err := checkTokenInput(in.Token.Reveal()); err != nil {
			return a, err
		}
	case storage.AuthOAuth:
		if err := checkOAuthInput(&a, in); err != nil {
			return a, err
		}
		dpop, err := okta.NewDPoPKey()
		if err != nil {
			return a, fmt.Errorf("make the account's DPoP key: %w", err)
		}
		a.DPoPKey = storage.Secret(dpop)
	default:
		return a, &AccountError{Field: "auth", Msg: fmt.Sprintf("unknown way to sign in %q: an API token (%s) or an OAuth 2.0 service app (%s)", in.Auth, storage.AuthToken, storage.AuthOAuth)}
	}
	id, err := e.authenticate(ctx, "new", a)
	if err != nil {
		return a, err
	}
	a.VerifiedAs = oktaIdentity(id)
	return a, nil
}

// checkTokenInput refuses an API token that cannot work, before asking Okta.
func checkTokenInput(token string) error {
	if p, _, ok := strings.Cut(strings.TrimSpace(token), " "); ok && (strings.EqualFold(p, "SSWS") || strings.EqualFold(p, "Bearer")) {
		return &AccountError{Field: FieldToken, Msg: "paste the API token itself, without \"" + p + " \" in front"}
	}
	return nil
}

// checkOAuthInput fills a's OAuth settings from what was typed, refusing
// what cannot work before asking Okta: no client id, a private key that
// does not parse (the error says what is wrong with it, never its text), no
// scopes.
func checkOAuthInput(a *storage.Account, in AccountInput) error {
	a.Auth = storage.AuthOAuth
	a.OAuthClientID = strings.TrimSpace(in.ClientID)
	if a.OAuthClientID == "" {
		return &AccountError{Field: FieldClientID, Msg: "the client id is empty: copy it from the service app's General tab in the Admin Console (0oa…)"}
	}
	_, kid, err := okta.ParsePrivateKey([]byte(in.PrivateKey.Reveal()))
	if err != nil {
		return &AccountError{Field: FieldPrivateKey, Err: err, Msg: strings.TrimPrefix(err.Error(), "okta: ")}
	}
	a.PrivateKey = in.PrivateKey
	a.OAuthKeyID = strings.TrimSpace(in.KeyID)
	if a.OAuthKeyID == "" {
		a.OAuthKeyID = kid
	}
	for _, s := range in.Scopes {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' }) {
			if !slices.Contains(a.OAuthScopes, f) {
				a.OAuthScopes = append(a.OAuthScopes, f)
			}
		}
	}
	if len(a.OAuthScopes) == 0 {
		return &AccountError{Field: FieldScopes, Msg: "pick the scopes to request, e.g. okta.users.read okta.users.manage: the ones the integrations' steps need, granted in the app's Okta API Scopes tab"}
	}
	return nil
}

// authenticate proves an Okta account's credentials with Okta and names
// what went wrong as an *AccountError on the input to fix.
func (e *Engine) authenticate(ctx context.Context, accountID string, a storage.Account) (okta.Identity, error) {
	cl, err := e.oktaClient(accountID, a)
	if err != nil { // the URL is checked already: what is left is the credentials' form
		field := FieldToken
		if a.IsOAuth() {
			field = FieldPrivateKey
		}
		return okta.Identity{}, &AccountError{Field: field, Msg: strings.TrimPrefix(err.Error(), "okta: "), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	id, err := cl.Authenticate(ctx)
	if err == nil && a.IsOAuth() {
		// Okta grants what the app holds of the scopes asked for and
		// leaves the rest out: the account would fail on its first call.
		var missing []string
		for _, sc := range a.OAuthScopes {
			if !slices.Contains(id.Scopes, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			return id, &AccountError{Field: FieldScopes, Kind: ErrMissingScope, Msg: fmt.Sprintf(
				"the service app %s was not granted %s %s: grant %s in the Admin Console (Applications → the app → Okta API Scopes), or leave %s out here",
				a.OAuthClientID, plural2(len(missing), "the scope", "the scopes"), strings.Join(missing, ", "),
				plural2(len(missing), "it", "them"), plural2(len(missing), "it", "them"))}
		}
	}
	if err == nil {
		return id, nil
	}
	if scope, ok := okta.IsMissingScope(err); ok {
		return id, &AccountError{Field: FieldScopes, Kind: ErrMissingScope, Err: err, Msg: fmt.Sprintf(
			"the service app %s lacks the scope %s: grant it in the Admin Console (Applications → the app → Okta API Scopes), or leave it out here", a.OAuthClientID, scope)}
	}
	switch {
	case a.IsOAuth() && okta.IsInvalidClient(err):
		return id, &AccountError{Field: oauthCulprit(err), Kind: ErrInvalidToken, Err: err, Msg: fmt.Sprintf(
			"Okta refused the service app's credentials (%s): check the client id, that the private key is the one whose public key the app holds, and its key id",
			strings.TrimPrefix(err.Error(), "okta: "))}
	case okta.IsPermissionDenied(err):
		who := "the API token's admin"
		if a.IsOAuth() {
			who = "the service app " + a.OAuthClientID
		}
		return id, &AccountError{Kind: ErrMissingRole, Err: err, Msg: fmt.Sprintf(
			"the credentials work, but %s may not read the org (E0000006): give it an admin role (for a service app: Applications → the app → Admin roles)", who)}
	case okta.IsInvalidToken(err):
		return id, &AccountError{Field: FieldToken, Kind: ErrInvalidToken, Err: err,
			Msg: "Okta rejected the API token (E0000011 Invalid token provided): check it, or create a new one in the Admin Console under Security → API → Tokens"}
	case okta.IsInvalidSession(err):
		return id, &AccountError{Field: FieldToken, Kind: ErrInvalidToken, Err: err,
			Msg: "Okta did not accept the token as an SSWS API token (E0000005): paste the token itself, without \"SSWS \" or \"Bearer \""}
	case a.IsOAuth() && okta.IsDPoPError(err):
		return id, &AccountError{Kind: ErrInvalidToken, Err: err, Msg: "Okta refused the DPoP proof: " + strings.TrimPrefix(err.Error(), "okta: ")}
	}
	return id, fmt.Errorf("could not verify the account at %s: %w", a.OrgURL, err)
}

// oauthCulprit says which input an invalid_client most likely is about: the
// key when Okta says the assertion's signature or key is wrong, else the
// client id. Okta's error code is the same for both; only its description
// tells them apart, and it is shown whole.
func oauthCulprit(err error) string {
	var oe *okta.OAuthError
	if errors.As(err, &oe) {
		d := strings.ToLower(oe.Description)
		if strings.Contains(d, "signature") || strings.Contains(d, "key") || strings.Contains(d, "kid") {
			return FieldPrivateKey
		}
	}
	return FieldClientID
}

// oktaIdentity is what an account is verified as: the admin login of an
// API token, or "client 0oa… with scopes … (DPoP)".
func oktaIdentity(id okta.Identity) string {
	return strings.TrimPrefix(id.String(), "Authenticated as ")
}

// checkKissflow checks and verifies a Kissflow account's access key (and
// the Process Admin role on the processes given), and returns the account
// to store (without its name).
func (e *Engine) checkKissflow(ctx context.Context, in AccountInput) (storage.Account, error) {
	origin, region, err := kissflow.Origin(in.KissflowHost, in.KissflowRegion, in.AllowHTTP)
	if err != nil {
		return storage.Account{}, kissflowAccountError(err)
	}
	if region == "" {
		region = strings.ToLower(strings.TrimSpace(in.KissflowRegion))
	}
	a := storage.Account{Kind: storage.AccountKissflow, OrgURL: origin, Region: region, AllowHTTP: in.AllowHTTP,
		KissflowAccountID: strings.TrimSpace(in.KissflowAccountID), KissflowAccessKeyID: strings.TrimSpace(in.AccessKeyID),
		Token: in.AccessKeySecret}
	switch {
	case a.KissflowAccountID == "":
		return a, &AccountError{Field: FieldKissflowAccount, Msg: "the account id is empty: it is the Ac… in your Kissflow URLs and account settings"}
	case a.KissflowAccessKeyID == "":
		return a, &AccountError{Field: FieldAccessKeyID, Msg: "the access key id is empty: create a key in Kissflow under My profile → API keys"}
	case a.Token.IsZero():
		return a, &AccountError{Field: FieldAccessKeySecret, Msg: "the access key secret is empty: Kissflow shows it once, when the key is created"}
	}
	id, err := e.VerifyKissflow(ctx, kissflowConfig(a), in.ProcessIDs...)
	if err != nil {
		return a, kissflowAccountError(err)
	}
	a.VerifiedAs = kissflowIdentity(a.KissflowAccessKeyID, id)
	return a, nil
}

// kissflowIdentity is what a Kissflow account is verified as.
func kissflowIdentity(keyID string, id kissflow.Identity) string {
	s := "access key " + keyID + " of account " + id.AccountID
	if len(id.ProcessAdmin) > 0 {
		s += ", Process Admin of " + strings.Join(id.ProcessAdmin, ", ")
	}
	return s
}

// kissflowAccountError puts the Kissflow client's verdict on the form's
// input (the client's own words say what to do).
func kissflowAccountError(err error) error {
	var ve *kissflow.VerifyError
	var ce *kissflow.ConfigError
	switch {
	case errors.As(err, &ve):
		ae := &AccountError{Field: kissflowField(ve.Field), Msg: ve.Msg, Err: err}
		switch {
		case errors.Is(err, kissflow.ErrInvalidKey):
			ae.Kind = ErrInvalidToken
		case errors.Is(err, kissflow.ErrNoProcessAdmin):
			ae.Kind = ErrMissingRole
		case errors.Is(err, kissflow.ErrUnknownAccount):
			ae.Kind = ErrUnknownAccount
		}
		return ae
	case errors.As(err, &ce):
		return &AccountError{Field: kissflowField(ce.Field), Msg: ce.Msg, Err: err}
	}
	return fmt.Errorf("could not verify the Kissflow account: %w", err)
}

// kissflowField maps the Kissflow client's setting names to the form's.
func kissflowField(f string) string {
	switch f {
	case "host", "region", "base_url":
		return FieldDomain
	case "account_id":
		return FieldKissflowAccount
	case "access_key_id":
		return FieldAccessKeyID
	case "access_key_secret":
		return FieldAccessKeySecret
	case "process_id":
		return FieldProcess
	}
	return ""
}

func plural2(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
