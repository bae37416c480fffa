package trigger

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The address policy of polled URLs (http_poll): a trigger must not be a
// way to reach what only this machine can reach (its loopback services,
// the cloud metadata endpoint at 169.254.169.254, the office network).
// Such addresses are refused unless the operator started oktaflow with
// --allow-private-addresses (Deps.AllowPrivate): a switch of the machine's
// owner, not a setting that whoever may edit an integration can flip. The check runs when the integration is saved (CheckURLPolicy, by
// name resolution) and again when each connection is made (the dialer's
// Control hook sees the address actually dialled), so a name that resolves
// elsewhere later, or a redirect, cannot get around it.

// CheckURLPolicy checks, at save, that a polled URL does not point at a
// loopback, link-local or private address (unless allowPrivate). A host
// name is resolved; a name that does not resolve now is left to the check
// at connect time.
func CheckURLPolicy(ctx context.Context, rawURL string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	host := u.Hostname()
	if a, ok := hostAddr(host); ok {
		return checkAddr(a, host)
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return &AddressError{Host: host, Class: "loopback"}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if err := checkAddr(a.Unmap(), host); err != nil {
			return err
		}
	}
	return nil
}

// hostAddr parses a literal address, also in the forms that resolvers take
// for IPv4 (one number, hex or octal parts: 2130706433, 0x7f.1, 0177.0.0.1).
func hostAddr(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32) // 0x.. hex, 0.. octal, else decimal
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// a.b.c.d; a.b.c (c fills 16 bits); a.b (b fills 24 bits); a (32 bits)
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (24 - 8*i)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(32-8*(len(nums)-1)) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// policyControl is a net.Dialer Control hook that refuses forbidden
// addresses before the connection is made.
func policyControl(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: not an IP address", address)
	}
	return checkAddr(a.Unmap(), host)
}

// proxyAddrKey carries, in a request's context, the address of the proxy
// the request goes through: the one connection the policy lets through
// (the proxy is the operator's, and the URL itself was checked by name).
type proxyAddrKey struct{}

// PolicyClient returns an HTTP client for polled or called URLs (http_poll,
// the http.request step, Kissflow) that applies the address policy at
// connect time, based on base (its timeout, its redirect rule, and its
// transport's settings when that is an *http.Transport). It also applies
// the redirect rule of secretRedirect, allowPrivate or not.
func PolicyClient(base *http.Client, allowPrivate bool) *http.Client {
	c := *base
	c.CheckRedirect = secretRedirect(base.CheckRedirect)
	if allowPrivate {
		return &c
	}
	var t *http.Transport
	switch bt := base.Transport.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = bt.Clone()
	default:
		// Another RoundTripper (a test's): the policy cannot reach its
		// dialer, so the URL is checked by name before each request.
		c.Transport = namePolicy{next: bt}
		return &c
	}
	strict := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: policyControl}
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if p, _ := ctx.Value(proxyAddrKey{}).(string); p != "" && p == addr {
			return plain.DialContext(ctx, network, addr)
		}
		return strict.DialContext(ctx, network, addr)
	}
	c.Transport = proxyAware{t: t}
	return &c
}

// secretRedirect is a CheckRedirect hook: a redirect that stays on the
// host (or only moves up from http to https on it) is followed; one to
// another host, or down to plain http, is followed only when the first
// request carried no credentials. Go copies every custom header to the
// next request (it drops only Authorization and Cookie, and only across
// domains) and names the previous URL, query and all, in the Referer, so
// following would hand a trigger's sealed headers or query parameters to
// whatever host the API names. Credentials are an Authorization, Cookie or
// any non-standard header, or any query (secret query parameters may have
// any name). next is the base client's own rule (nil: at most 10).
func secretRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first, last := via[0], via[len(via)-1]
		if !sameSite(last.URL, req.URL) && carriesCredentials(first) {
			return &RedirectError{Host: req.URL.Host}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after %d redirects", len(via))
		}
		return nil
	}
}

// RedirectError is a redirect secretRedirect does not follow: another
// host, with the request's credentials. It stands however often the URL
// is tried.
type RedirectError struct{ Host string }

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the answer redirected to another host (%s): not followed, since the request's headers or query parameters would go with it; use the final URL instead", e.Host)
}

// Permanent says that another attempt would be refused the same way.
func (e *RedirectError) Permanent() bool { return true }

// sameSite reports whether a redirect from a to b stays on a's host, with
// the same scheme or from http up to https.
func sameSite(a, b *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	switch {
	case a.Scheme == b.Scheme:
		return portOf(a) == portOf(b)
	case a.Scheme == "http" && b.Scheme == "https":
		return true
	}
	return false
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// standardHeaders are the request headers that carry nothing of a user's.
var standardHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "User-Agent": true,
	"Content-Type": true, "Content-Length": true, "Referer": true,
}

func carriesCredentials(r *http.Request) bool {
	if r.URL.RawQuery != "" || r.URL.User != nil {
		return true
	}
	for name := range r.Header {
		if !standardHeaders[http.CanonicalHeaderKey(name)] {
			return true
		}
	}
	return false
}

// proxyAware checks the URL by name when a proxy carries the request (the
// dial then reaches the proxy, not the URL's host), and tells the dialer
// which address is the proxy's.
type proxyAware struct{ t *http.Transport }

func (p proxyAware) RoundTrip(req *http.Request) (*http.Response, error) {
	if p.t.Proxy == nil {
		return p.t.RoundTrip(req)
	}
	pu, err := p.t.Proxy(req)
	if err != nil || pu == nil {
		return p.t.RoundTrip(req)
	}
	if err := CheckURLPolicy(req.Context(), req.URL.String(), false); err != nil {
		return nil, err
	}
	port := pu.Port()
	if port == "" {
		port = "80"
		if pu.Scheme == "https" {
			port = "443"
		}
	}
	ctx := context.WithValue(req.Context(), proxyAddrKey{}, net.JoinHostPort(pu.Hostname(), port))
	return p.t.RoundTrip(req.WithContext(ctx))
}

// namePolicy checks each request's URL by name before passing it on.
type namePolicy struct{ next http.RoundTripper }

func (n namePolicy) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := CheckURLPolicy(req.Context(), req.URL.String(), false); err != nil {
		return nil, err
	}
	return n.next.RoundTrip(req)
}
