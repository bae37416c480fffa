package okta

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseOrgURLAccepts(t *testing.T) {
	tests := []struct {
		in, want string
		http     bool
	}{
		{"acme.okta.com", "https://acme.okta.com", false},
		{"  acme.okta.com  ", "https://acme.okta.com", false},
		{"https://acme.oktapreview.com/", "https://acme.oktapreview.com", false},
		{"HTTPS://ACME.OKTA.COM", "https://acme.okta.com", false},
		{"acme.okta-emea.com", "https://acme.okta-emea.com", false},
		{"agency.okta-gov.com", "https://agency.okta-gov.com", false},
		{"test-milmove.okta.mil", "https://test-milmove.okta.mil", false},
		{"unit.okta-miltest.com", "https://unit.okta-miltest.com", false},
		{"org.trex-govcloud.com", "https://org.trex-govcloud.com", false},
		{"login.example.co.uk", "https://login.example.co.uk", false},
		{"https://id.acme.io", "https://id.acme.io", false},
		{"acme.okta.com.", "https://acme.okta.com", false},
		{"https://acme.okta.com:443/", "https://acme.okta.com", false},
		{"acme.okta.com:8443", "https://acme.okta.com:8443", false},
		{"dev-123456.okta.com", "https://dev-123456.okta.com", false},
		{"https://127.0.0.1:8790", "https://127.0.0.1:8790", false},
		{"http://127.0.0.1:8790", "http://127.0.0.1:8790", true},
		{"http://127.5.6.7:1", "http://127.5.6.7:1", true},
		{"http://localhost:8790/", "http://localhost:8790", true},
		{"http://[::1]:8790", "http://[::1]:8790", true},
		{"http://localhost:80", "http://localhost", true},
	}
	for _, tt := range tests {
		got, err := ParseOrgURL(tt.in, tt.http)
		if err != nil || got != tt.want {
			t.Errorf("ParseOrgURL(%q, %v) = %q, %v; want %q", tt.in, tt.http, got, err, tt.want)
		}
	}
}

func TestParseOrgURLRejects(t *testing.T) {
	tests := []struct {
		in   string
		http bool
		says []string // every fragment must appear in the error
	}{
		{"", false, []string{"empty", "acme.okta.com"}},
		{"   ", false, []string{"empty"}},
		{"https://{yourOktaDomain}", false, []string{"placeholder", "acme.okta.com"}},
		{"{{yourOktaDomain}}", false, []string{"placeholder"}},
		{"acme-admin.okta.com", false, []string{"acme-admin.okta.com is the admin console host; use acme.okta.com"}},
		{"https://acme-admin.oktapreview.com/", false, []string{"admin console", "use acme.oktapreview.com"}},
		{"acme-admin.okta-emea.com", false, []string{"use acme.okta-emea.com"}},
		{"acme.okta.com.com", false, []string{".com.com", "acme.okta.com"}},
		{"https://acme.okta.com/api/v1", false, []string{"path", "/api/v1", "acme.okta.com"}},
		{"acme.okta.com/app/UserHome", false, []string{"path"}},
		{"https://acme.okta.com//", false, []string{"path"}},
		{"https://acme.okta.com?x=1", false, []string{"query", "acme.okta.com"}},
		{"https://acme.okta.com/?", false, []string{"query"}},
		{"https://acme.okta.com#frag", false, []string{"fragment"}},
		{"https://acme.okta.com/#", false, []string{"fragment"}},
		{"https://admin:pw@acme.okta.com", false, []string{"user name or password", "acme.okta.com"}},
		{"http://acme.okta.com", false, []string{"https", "use https://acme.okta.com"}},
		{"http://acme.okta.com", true, []string{"use https://acme.okta.com"}},
		{"http://127.0.0.1:8790", false, []string{"sandbox", "https://127.0.0.1"}},
		{"http://localhost", false, []string{"sandbox"}},
		{"ftp://acme.okta.com", false, []string{"https"}},
		{"https://https://acme.okta.com", false, []string{"twice"}},
		{"okta.com", false, []string{"Okta's own domain", "acme.okta.com"}},
		{"oktapreview.com", false, []string{"Okta's own domain"}},
		{"acme", false, []string{"not a full domain"}},
		{"acme okta.com", false, []string{"spaces"}},
		{"acmé.okta.com", false, []string{"characters"}},
		{"-acme.okta.com", false, []string{"not a valid domain"}},
		{"acme..okta.com", false, []string{"not a valid domain"}},
		{"10.0.0.5", false, []string{"IP address"}},
		{"127.1", false, []string{"not a domain name"}},
		{"acme.okta.com:0", false, []string{"invalid port"}},
		{"acme.okta.com:99999", false, []string{"invalid port"}},
		{"acme.okta.com:", false, []string{"without a port"}},
		{`acme.okta.com\evil`, false, []string{"characters"}},
	}
	for _, tt := range tests {
		got, err := ParseOrgURL(tt.in, tt.http)
		if err == nil {
			t.Errorf("ParseOrgURL(%q, %v) = %q; want an error", tt.in, tt.http, got)
			continue
		}
		for _, s := range tt.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("ParseOrgURL(%q) error %q does not say %q", tt.in, err, s)
			}
		}
	}
}

func FuzzParseOrgURL(f *testing.F) {
	for _, s := range []string{
		"acme.okta.com", "https://acme.oktapreview.com/", "acme-admin.okta.com", "{yourOktaDomain}",
		"acme.okta.com.com", "https://acme.okta.com/api/v1?x=1#y", "http://127.0.0.1:8790", "http://[::1]:1",
		"https://u:p@acme.okta.com", "acme.okta.com:8443", "okta.mil", "https://ACME.okta-emea.com.",
		"http://localhost:80/", "https://xn--80ak6aa92e.com", "a.b", "%41.okta.com", "[::ffff:127.0.0.1]",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, allowHTTP bool) {
		got, err := ParseOrgURL(raw, allowHTTP)
		if err != nil {
			return
		}
		again, err := ParseOrgURL(got, allowHTTP)
		if err != nil || again != got {
			t.Fatalf("%q → %q re-parses to %q, %v", raw, got, again, err)
		}
		if strings.Contains(got, "-admin") {
			t.Fatalf("%q accepted as %q, an admin host", raw, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q → %q does not parse: %v", raw, got, err)
		}
		if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("%q → %q keeps a path, query, fragment or user info", raw, got)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && allowHTTP && isLoopbackHost(u.Hostname())) {
			t.Fatalf("%q → %q: scheme %q not allowed", raw, got, u.Scheme)
		}
	})
}
