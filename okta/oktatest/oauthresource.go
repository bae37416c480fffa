package oktatest

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/jose"
)

// principal is who a request acts as: the API token's admin (SSWS) or an
// OAuth service app (client set, with its access token on API requests).
type principal struct {
	client *oauthClient
	token  *accessToken
}

// shareKey names the principal for the per-token share of rate limits.
func (p principal) shareKey() string {
	if p.client != nil {
		return "client:" + p.client.ID
	}
	return "token"
}

// identify authenticates an /api/v1 request. It returns the principal, or
// the answer refusing the request:
//   - SSWS: the API token (403 E0000005 without a known scheme, 401
//     E0000011 with WWW-Authenticate: SSWS for a wrong or revoked token);
//   - Bearer or DPoP: an access token from /oauth2/v1/token, checked as
//     Okta's resource server does (oauthDenied).
func (o *Org) identify(c *call, segs []string) (principal, *reply) {
	scheme, cred, found := strings.Cut(c.r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case !found || cred == "":
		return principal{}, fail(errInvalidSession)
	case strings.EqualFold(scheme, "SSWS"):
		if e := o.checkAPIToken(cred); e != nil {
			rep := fail(e)
			rep.header = http.Header{"Www-Authenticate": {"SSWS"}}
			return principal{}, rep
		}
		return principal{}, nil
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "DPoP"):
		return o.checkAccessToken(c, strings.EqualFold(scheme, "DPoP"), cred, requiredScope(c.r.Method, segs))
	}
	return principal{}, fail(errInvalidSession)
}

// checkAPIToken checks an SSWS token. A token stops working once the admin
// who owns it is deactivated or suspended, as in Okta.
func (o *Org) checkAPIToken(token string) *apiError {
	if subtle.ConstantTimeCompare([]byte(token), []byte(o.opts.Token)) != 1 {
		return errInvalidToken
	}
	if admin := o.byID[o.meta.AdminID]; admin == nil || admin.Status == statusDeprovisioned || admin.Status == statusSuspended {
		return errInvalidToken
	}
	return nil
}

// checkAccessToken checks an OAuth access token and, for the DPoP scheme,
// its proof (with the ath of the token; a nonce only when
// Options.DPoPResourceNonce is set, since Okta's resource server does not
// require one today).
func (o *Org) checkAccessToken(c *call, dpop bool, cred, scope string) (principal, *reply) {
	deny := func(status int, code, description string) (principal, *reply) {
		return principal{}, o.oauthDenied(c, dpop, status, scope, code, description)
	}
	tok := o.tokens[cred]
	switch {
	case tok == nil:
		return deny(http.StatusUnauthorized, "invalid_token", "The access token is invalid.")
	case !c.now.Before(tok.expires):
		return deny(http.StatusUnauthorized, "invalid_token", "The token has expired.")
	case !dpop && tok.jkt != "":
		return deny(http.StatusBadRequest, "invalid_request", "The resource request must use the DPoP authentication scheme when using a DPoP bound token.")
	case dpop && tok.jkt == "":
		return deny(http.StatusUnauthorized, "invalid_token", "The presented access_token is not DPoP bound.")
	}
	if dpop {
		proof, e := readDPoP(c.r, c.base+c.r.URL.EscapedPath(), c.now)
		switch {
		case e == errDPoPMissing:
			return deny(http.StatusBadRequest, "invalid_request", "The resource request requires a DPoP proof.")
		case e != nil:
			return deny(http.StatusBadRequest, e.code, e.description)
		case subtle.ConstantTimeCompare([]byte(proof.ath), []byte(tokenHash(cred))) != 1:
			return deny(http.StatusBadRequest, "invalid_dpop_proof", "'ath' claim in the DPoP proof does not match the presented access_token.")
		case proof.jkt != tok.jkt:
			return deny(http.StatusBadRequest, "invalid_dpop_proof", "The access_token is not bound to the provided DPoP proof.")
		case o.opts.DPoPResourceNonce && !o.nonceValid(proof.nonce, c.now):
			p, rep := deny(http.StatusUnauthorized, "use_dpop_nonce", "Resource server requires nonce in DPoP proof.")
			rep.header.Set("DPoP-Nonce", o.dpopNonce(c.now))
			return p, rep
		}
		if e := o.spendProof(proof); e != nil {
			return deny(http.StatusBadRequest, e.code, e.description)
		}
	}
	return principal{client: tok.client, token: tok}, nil
}

// oauthDenied is how Okta's resource server refuses an access token: the
// status and a WWW-Authenticate header, without a body (recorded in
// okta/okta-sdk-golang#145, okta/terraform-provider-okta#2375 and #2392,
// okta/okta-sdk-nodejs#453), e.g.
//
//	WWW-Authenticate: DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512",
//	  authorization_uri="http://acme.okta.com/oauth2/v1/authorize",
//	  realm="http://acme.okta.com", scope="okta.groups.read",
//	  error="invalid_dpop_proof", error_description="…", resource="/api/v1/groups/00g…/users"
//
// The Bearer form is the same without algs. authorization_uri and realm
// are http:// even on an https org, as recorded.
func (o *Org) oauthDenied(c *call, dpop bool, status int, scope, code, description string) *reply {
	host := "http://" + c.r.Host
	var b strings.Builder
	if dpop {
		b.WriteString(`DPoP algs="` + strings.Join(jose.Algorithms, " ") + `", `)
	} else {
		b.WriteString("Bearer ")
	}
	b.WriteString(`authorization_uri="` + host + `/oauth2/v1/authorize", realm="` + host + `"`)
	if scope != "" {
		b.WriteString(`, scope="` + scope + `"`)
	}
	b.WriteString(`, error="` + code + `", error_description="` + description + `", resource="` + c.r.URL.EscapedPath() + `"`)
	return &reply{status: status, header: http.Header{"Www-Authenticate": {b.String()}}}
}

// insufficientScope is the 403 for a token without the endpoint's scope.
func (o *Org) insufficientScope(c *call, scope string) *reply {
	return o.oauthDenied(c, c.principal.token.jkt != "", http.StatusForbidden, scope,
		"insufficient_scope", "The access token provided does not contain the required scopes.")
}

// requiredScope is the OAuth scope an /api/v1 endpoint needs (SPEC:
// security.oauth2 of each operation): okta.<resource>.read for GET,
// okta.<resource>.manage otherwise; "" for paths the simulator does not
// serve (they answer 404 whatever the token).
func requiredScope(method string, segs []string) string {
	if len(segs) == 0 {
		return ""
	}
	op := "manage"
	if method == http.MethodGet || method == http.MethodHead {
		op = "read"
	}
	switch segs[0] {
	case "users":
		if len(segs) >= 3 && segs[2] == "roles" {
			return "okta.roles." + op
		}
		return "okta.users." + op
	case "groups":
		return "okta.groups." + op
	case "logs":
		return "okta.logs.read"
	case "meta":
		return "okta.schemas." + op
	case "agentPools":
		return "okta.agentPools." + op
	}
	return ""
}

// clientTarget is a service app as the actor of a System Log event.
func clientTarget(cl *oauthClient) logTarget {
	return logTarget{ID: cl.ID, Type: "PublicClientApp", AlternateID: cl.ID, DisplayName: cl.Name}
}
