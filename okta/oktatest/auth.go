package oktatest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate checks "Authorization: SSWS <token>". No header, or another
// scheme, is 403 E0000005 "Invalid session" (Okta then looks for a session
// cookie and finds none); a wrong token is 401 E0000011 "Invalid token
// provided", sent with WWW-Authenticate: SSWS. A token also stops working
// once the admin who owns it is deactivated, as in Okta.
func (o *Org) authenticate(r *http.Request) *apiError {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "SSWS") {
		return errInvalidSession
	}
	token = strings.TrimSpace(token)
	if subtle.ConstantTimeCompare([]byte(token), []byte(o.opts.Token)) != 1 {
		return errInvalidToken
	}
	if admin := o.byID[o.meta.AdminID]; admin == nil || admin.Status == statusDeprovisioned || admin.Status == statusSuspended {
		return errInvalidToken
	}
	return nil
}
