package kissflow

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Regions: the domain a Kissflow account lives under.
const (
	RegionCOM = "com" // kissflow.com
	RegionEU  = "eu"  // kissflow.eu
)

// Config says how to reach one Kissflow account.
type Config struct {
	// Host is the account's subdomain (acme), its host (acme.kissflow.eu)
	// or its URL (https://acme.kissflow.com/). A loopback http:// URL is
	// accepted only with AllowHTTP (the sandbox).
	Host string
	// Region is "com" (the default) or "eu"; a full host says it itself.
	Region          string
	AccountID       string
	AccessKeyID     string
	AccessKeySecret string
	AllowHTTP       bool
	// URL templates; empty: the defaults below. Placeholders: {host} (the
	// origin, https://acme.kissflow.com), {subdomain}, {region},
	// {account_id}, {base} (the filled BaseURL), {process_id}, {item_id}.
	BaseURL  string // default DefaultBaseURL
	ListURL  string // default DefaultListURL
	ItemURL  string // default DefaultItemURL
	FieldURL string // default DefaultFieldURL
}

// Default URL templates.
const (
	DefaultBaseURL  = "{host}/process/2/{account_id}"
	DefaultListURL  = "{base}/admin/{process_id}/item"
	DefaultItemURL  = "{base}/admin/{process_id}/{item_id}"
	DefaultFieldURL = "{base}/{process_id}/field"
	userProbeURL    = "{host}/user/2/{account_id}/"
)

// ConfigError is a problem with what was typed to connect an account,
// naming the setting.
type ConfigError struct {
	Field string // "host", "region", "account_id", "access_key_id", "access_key_secret", "base_url"
	Msg   string
}

func (e *ConfigError) Error() string { return e.Msg }

// Origin normalises what a user typed as a Kissflow host: a subdomain
// (acme → https://acme.kissflow.com, or .eu with region eu), a host, or a
// URL without a path. It returns the origin and the region it implies
// ("" for a custom or loopback host).
func Origin(host, region string, allowHTTP bool) (origin, impliedRegion string, err error) {
	h := strings.TrimSpace(host)
	region = strings.ToLower(strings.TrimSpace(region))
	switch region {
	case "", RegionCOM, "kissflow.com":
		region = RegionCOM
	case RegionEU, "kissflow.eu":
		region = RegionEU
	default:
		return "", "", &ConfigError{Field: "region", Msg: fmt.Sprintf("region %q is not com (kissflow.com) or eu (kissflow.eu)", region)}
	}
	if h == "" {
		return "", "", &ConfigError{Field: "host", Msg: "the Kissflow host is empty: type the subdomain (acme for acme.kissflow.com) or the host"}
	}
	scheme := "https"
	if strings.Contains(h, "://") {
		u, err := url.Parse(h)
		if err != nil || u.Host == "" {
			return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q is not a Kissflow host such as acme.kissflow.com", h)}
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
			return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q has a path: type only the host, such as acme.kissflow.com", h)}
		}
		scheme, h = u.Scheme, u.Host
	}
	h = strings.ToLower(strings.TrimSuffix(h, "/"))
	hostname := h
	if hn, _, err := net.SplitHostPort(h); err == nil {
		hostname = hn
	}
	switch scheme {
	case "https":
	case "http":
		if !allowHTTP || !isLoopback(hostname) {
			return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q uses plain http: Kissflow is reached over https (http only for a local sandbox)", host)}
		}
		return "http://" + h, "", nil
	default:
		return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q is not an https URL", host)}
	}
	if !strings.Contains(hostname, ".") { // a bare subdomain
		if !validLabel(hostname) {
			return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q is not a Kissflow subdomain (letters, digits and -)", hostname)}
		}
		return "https://" + hostname + ".kissflow." + region, region, nil
	}
	switch {
	case strings.HasSuffix(hostname, ".kissflow.com"):
		impliedRegion = RegionCOM
	case strings.HasSuffix(hostname, ".kissflow.eu"):
		impliedRegion = RegionEU
	case hostname == "kissflow.com" || hostname == "kissflow.eu":
		return "", "", &ConfigError{Field: "host", Msg: "type your account's own host, such as acme.kissflow.com, not kissflow.com"}
	}
	for _, label := range strings.Split(hostname, ".") {
		if !validLabel(label) {
			return "", "", &ConfigError{Field: "host", Msg: fmt.Sprintf("%q is not a host name", hostname)}
		}
	}
	return "https://" + h, impliedRegion, nil
}

func validLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r == '-' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// resolved is a Config with its URLs checked and its base filled in.
type resolved struct {
	origin, subdomain, region string
	base                      string
	list, item, field         string
}

func (c Config) resolve() (resolved, error) {
	origin, implied, err := Origin(c.Host, c.Region, c.AllowHTTP)
	if err != nil {
		return resolved{}, err
	}
	var probs []error
	if strings.TrimSpace(c.AccountID) == "" {
		probs = append(probs, &ConfigError{Field: "account_id", Msg: "the Kissflow account id is empty: copy it from Kissflow (My profile → API keys / account settings)"})
	}
	if strings.TrimSpace(c.AccessKeyID) == "" {
		probs = append(probs, &ConfigError{Field: "access_key_id", Msg: "the access key id is empty"})
	}
	if c.AccessKeySecret == "" {
		probs = append(probs, &ConfigError{Field: "access_key_secret", Msg: "the access key secret is empty"})
	}
	if len(probs) > 0 {
		return resolved{}, errors.Join(probs...)
	}
	region := implied
	if region == "" {
		region = strings.ToLower(strings.TrimSpace(c.Region))
		if region == "" {
			region = RegionCOM
		}
	}
	u, _ := url.Parse(origin)
	sub, _, _ := strings.Cut(u.Hostname(), ".")
	r := resolved{origin: origin, subdomain: sub, region: region}
	fill := func(tmpl, def string) string {
		if strings.TrimSpace(tmpl) == "" {
			tmpl = def
		}
		return strings.NewReplacer("{host}", origin, "{subdomain}", url.PathEscape(sub), "{region}", region,
			"{account_id}", url.PathEscape(strings.TrimSpace(c.AccountID)), "{base}", r.base).Replace(tmpl)
	}
	r.base = strings.TrimRight(fill(c.BaseURL, DefaultBaseURL), "/")
	if bu, err := url.Parse(r.base); err != nil || (bu.Scheme != "https" && !(c.AllowHTTP && bu.Scheme == "http")) || bu.Host == "" {
		return resolved{}, &ConfigError{Field: "base_url", Msg: fmt.Sprintf("the API base URL %q is not an https URL", r.base)}
	}
	r.list, r.item, r.field = fill(c.ListURL, DefaultListURL), fill(c.ItemURL, DefaultItemURL), fill(c.FieldURL, DefaultFieldURL)
	return r, nil
}

func (r resolved) url(tmpl, processID, itemID string) string {
	return strings.NewReplacer("{process_id}", url.PathEscape(processID), "{item_id}", url.PathEscape(itemID)).Replace(tmpl)
}
