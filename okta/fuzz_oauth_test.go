package okta

import (
	"net/http"
	"strings"
	"testing"
)

// Pasted keys are outside input: any text gives a key or an error, never a panic, and an
// error never repeats the pasted text.
func FuzzParsePrivateKey(f *testing.F) {
	for _, s := range []string{
		"", "garbage", `{"kty":"RSA"}`, `{"kty":"EC","crv":"P-256","d":"AA","x":"AA","y":"AA"}`, `{"keys":[{"kty":"EC"}]}`,
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----",
		`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB","p":"Aw","q":"BQ"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := ParsePrivateKey(data)
		if (s == nil) == (err == nil) {
			t.Fatalf("signer %v with error %v", s, err)
		}
		if err != nil && len(data) > 24 && strings.Contains(err.Error(), string(data)) {
			t.Fatalf("error repeats the input: %v", err)
		}
	})
}

// WWW-Authenticate comes from the server: any value parses without a panic.
func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Bearer error="insufficient_scope", scope="okta.users.read"`, `DPoP algs="ES256", error="use_dpop_nonce"`,
		`SSWS`, `Bearer realm="a\"b`, `=,=,`, `Basic abc==`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range authChallenges(http.Header{"Www-Authenticate": {v}}) {
			if c.scheme == "" {
				t.Fatalf("a challenge without a scheme from %q", v)
			}
		}
	})
}
