package okta

import (
	"net/http"
	"strings"
)

// challenge is one WWW-Authenticate challenge (RFC 9110 §11.6.1), e.g.
//
//	Bearer authorization_uri="…", realm="…", scope="okta.groups.read",
//	  error="insufficient_scope", error_description="…", resource="/api/v1/groups/00g…"
//	DPoP algs="RS256 … ES512", error="use_dpop_nonce", error_description="…"
//
// which is how Okta's resource server says why an OAuth access token was refused.
type challenge struct {
	scheme string            // lower case: "bearer", "dpop", "ssws"
	params map[string]string // names lower case
}

// authChallenges parses every WWW-Authenticate header of h. It is lenient: a malformed
// parameter ends the parse of that header, keeping what was read.
func authChallenges(h http.Header) []challenge {
	var out []challenge
	for _, v := range h.Values("WWW-Authenticate") {
		out = append(out, parseChallenges(v)...)
	}
	return out
}

// authError returns the first challenge that carries an "error" parameter.
func authError(h http.Header) (challenge, bool) {
	for _, c := range authChallenges(h) {
		if c.params["error"] != "" {
			return c, true
		}
	}
	return challenge{}, false
}

func parseChallenges(s string) []challenge {
	var out []challenge
	p := &hdrParser{s: s}
	for {
		p.skip(" \t,")
		tok := p.token()
		if tok == "" {
			return out
		}
		p.skip(" \t")
		if p.peek() == '=' { // a parameter of the current challenge
			p.i++
			p.skip(" \t")
			val, ok := p.value()
			if !ok || len(out) == 0 {
				return out
			}
			out[len(out)-1].params[strings.ToLower(tok)] = val
			continue
		}
		out = append(out, challenge{scheme: strings.ToLower(tok), params: map[string]string{}})
	}
}

type hdrParser struct {
	s string
	i int
}

func (p *hdrParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *hdrParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

// token reads an RFC 9110 token (also token68 characters other than '=').
func (p *hdrParser) token() string {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t,=\"", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a quoted-string (with backslash escapes) or a token.
func (p *hdrParser) value() (string, bool) {
	if p.peek() != '"' {
		return p.token(), true
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		case '"':
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
