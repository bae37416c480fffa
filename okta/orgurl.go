package okta

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// oktaDomains are the parent domains Okta hosts orgs under. An org URL may also be a
// custom domain; these are only used to spot a bare parent ("okta.com") typed as the org.
var oktaDomains = []string{
	"okta.com", "oktapreview.com", "okta-emea.com",
	"okta-gov.com", "okta.mil", "okta-miltest.com", "trex-govcloud.com",
}

const exampleDomain = "acme.okta.com"

// ParseOrgURL checks what a person typed as their Okta domain and returns it normalised as
// "https://host" (or "https://host:port"; "http://" only for a loopback host when
// allowHTTPLoopback is set, which the local sandbox needs).
//
// Accepted: a bare host ("acme.okta.com"), an https URL with or without a trailing slash, any
// Okta-hosted domain (okta.com, oktapreview.com, okta-emea.com, okta-gov.com, okta.mil,
// okta-miltest.com, trex-govcloud.com) and custom domains. Rejected, each with a message
// naming what was wrong and what to type instead: an empty value, the docs placeholder
// "{yourOktaDomain}", admin-console hosts ("acme-admin.okta.com"), hosts ending in ".com.com",
// paths, queries, fragments, user info, and plain http except for loopback hosts when allowed.
//
// Invariant (checked by FuzzParseOrgURL): an accepted result parses again to itself, carries
// no path, query, fragment or user info, and never contains "-admin".
func ParseOrgURL(raw string, allowHTTPLoopback bool) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("the Okta domain is empty; type your org's domain, e.g. " + exampleDomain)
	}
	if strings.Contains(s, "{") || strings.Contains(s, "}") {
		return "", errors.New("the Okta domain is still the placeholder from Okta's docs ({yourOktaDomain}); type your org's domain, e.g. " + exampleDomain)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r > 0x7e || r == '\\' {
			return "", errors.New("the Okta domain contains spaces or characters a domain cannot have; type only the domain, e.g. " + exampleDomain)
		}
	}
	if strings.Count(s, "://") > 1 {
		return "", errors.New("the Okta domain contains \"://\" twice; type only the domain, e.g. " + exampleDomain)
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("the Okta domain is not a valid URL; type only the domain, e.g. " + exampleDomain)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("the Okta domain uses %q, not https; type only the domain, e.g. %s", scheme+"://", exampleDomain)
	}
	if u.Opaque != "" {
		return "", errors.New("the Okta domain is not a valid URL; type only the domain, e.g. " + exampleDomain)
	}
	host, port, err := splitOrgHost(u)
	if err != nil {
		return "", err
	}
	if u.User != nil {
		return "", fmt.Errorf("the Okta domain contains a user name or password before @; type only the domain: %s", host)
	}
	if (u.Path != "" && u.Path != "/") || u.RawPath != "" {
		return "", fmt.Errorf("the Okta domain has a path (%s); type only the domain: %s", clip(u.EscapedPath()), host)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("the Okta domain has a query (?...); type only the domain: %s", host)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "", fmt.Errorf("the Okta domain has a fragment (#...); type only the domain: %s", host)
	}
	if err := checkOrgHost(host); err != nil {
		return "", err
	}
	loopback := isLoopbackHost(host)
	if scheme == "http" {
		switch {
		case !loopback:
			return "", fmt.Errorf("Okta only answers over https, not plain http; use https://%s", host)
		case !allowHTTPLoopback:
			return "", fmt.Errorf("plain http to %s is only allowed for the local sandbox; use https://%s", host, host)
		}
	}
	if port != "" && (scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		port = ""
	}
	out := scheme + "://" + hostForURL(host)
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// splitOrgHost returns the lower-cased host (brackets removed from IPv6) and the port.
func splitOrgHost(u *url.URL) (host, port string, err error) {
	host = strings.ToLower(u.Hostname())
	port = u.Port()
	if host == "" {
		return "", "", errors.New("the Okta domain has no host name; type your org's domain, e.g. " + exampleDomain)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", "", fmt.Errorf("the Okta domain ends in \":\" without a port; type %s", host)
	}
	if port != "" {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", "", fmt.Errorf("the Okta domain has an invalid port %q; type only the domain: %s", port, host)
		}
	}
	return strings.TrimSuffix(host, "."), port, nil
}

// checkOrgHost rejects host names that cannot be an Okta org's API host.
func checkOrgHost(host string) error {
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is an IP address; Okta orgs are reached by name, e.g. %s", host, exampleDomain)
		}
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if strings.Contains(host, "-admin") {
		return fmt.Errorf("%s is the admin console host; use %s", host, strings.ReplaceAll(host, "-admin", ""))
	}
	if strings.HasSuffix(host, ".com.com") {
		return fmt.Errorf("%s ends in .com.com; did you mean %s?", host, strings.TrimSuffix(host, ".com"))
	}
	for _, d := range oktaDomains {
		if host == d {
			return fmt.Errorf("%s is Okta's own domain, not an org; type your org's domain, e.g. acme.%s", host, d)
		}
	}
	if len(host) > 253 || !strings.Contains(host, ".") {
		return fmt.Errorf("%s is not a full domain name; type your org's domain, e.g. %s", clip(host), exampleDomain)
	}
	labels := strings.Split(host, ".")
	for _, label := range labels {
		if !validLabel(label) {
			return fmt.Errorf("%s is not a valid domain name; type your org's domain, e.g. %s", clip(host), exampleDomain)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		// "127.1" and friends: an abbreviated IP address, not a name.
		return fmt.Errorf("%s is not a domain name; type your org's domain, e.g. %s", host, exampleDomain)
	}
	return nil
}

// validLabel reports whether a DNS label has 1–63 letters, digits or inner hyphens.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isLoopbackHost reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostForURL brackets an IPv6 literal.
func hostForURL(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// clip shortens what is echoed back in an error: the input might be something pasted by
// mistake (a token, a long URL) that should not be repeated in full.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
