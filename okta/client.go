package okta

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one Okta org. It is safe for concurrent use; share one per org so that its
// pacing and concurrency cap see all of that org's requests.
type Client struct {
	orgURL string
	base   *url.URL
	token  *secret     // SSWS API token; nil for OAuth. A pointer: a reflective dump shows an address
	oauth  *oauthState // OAuth 2.0 service app credentials and tokens; nil for SSWS
	hc     *http.Client
	log    *slog.Logger
	ua     string

	maxRetries   int // retries of network errors and 5xx
	maxRateWaits int // retries of 429 answers, counted apart
	backoffMin   time.Duration
	backoffMax   time.Duration

	slots chan struct{} // concurrency cap: one token per request on the wire
	lim   *limiter
	clk   clock
}

// Option configures a Client.
type Option func(*settings)

type settings struct {
	hc           *http.Client
	allowHTTP    bool
	maxConc      int
	maxRetries   int
	maxRateWaits int
	backoffMin   time.Duration
	backoffMax   time.Duration
	log          *slog.Logger
	ua           string
	observer     func(BucketState)
	reserve      float64
	clk          clock
}

// Defaults. Retries are few because the engine above retries runs with its own, longer
// backoff; the client's retries only smooth over brief failures.
const (
	DefaultMaxConcurrency = 10
	DefaultMaxRetries     = 4
	DefaultMaxRateWaits   = 4
	defaultBackoffMin     = 500 * time.Millisecond
	defaultBackoffMax     = 30 * time.Second
	defaultTimeout        = 60 * time.Second // Okta itself gives up on a query after 30 s
	defaultUserAgent      = "oktaflow-okta-client/1"
	maxBodyBytes          = 64 << 20
)

// WithHTTPClient sets the HTTP client (default: one with a 60 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.hc = hc } }

// WithAllowHTTPLoopback allows a plain-http org URL on a loopback host (the local sandbox).
func WithAllowHTTPLoopback() Option { return func(s *settings) { s.allowHTTP = true } }

// WithMaxConcurrency caps the requests on the wire at once (default 10, at least 1).
func WithMaxConcurrency(n int) Option { return func(s *settings) { s.maxConc = n } }

// WithMaxRetries bounds the retries of network errors and 5xx answers per call (default 4).
func WithMaxRetries(n int) Option { return func(s *settings) { s.maxRetries = n } }

// WithMaxRateLimitWaits bounds how many 429 answers one call waits out before it returns a
// *RateLimitError (default 4). These waits do not use the WithMaxRetries budget.
func WithMaxRateLimitWaits(n int) Option { return func(s *settings) { s.maxRateWaits = n } }

// WithRetryBackoff sets the exponential backoff between retries: min·2ⁿ, at most max,
// ±10% jitter (default 500 ms up to 30 s).
func WithRetryBackoff(min, max time.Duration) Option {
	return func(s *settings) { s.backoffMin, s.backoffMax = min, max }
}

// WithLogger sets the logger (default: discard). Lines never carry the token or a query.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.log = l } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(s *settings) { s.ua = ua } }

// WithRateLimitObserver is called when requests start waiting for a bucket's reset (with
// WaitingUntil set) and when that wait is over (WaitingUntil zero). It must not block.
func WithRateLimitObserver(f func(BucketState)) Option {
	return func(s *settings) { s.observer = f }
}

// WithRateLimitReserve sets the share of each bucket's limit that a burst leaves for the
// org's other API users (default DefaultRateLimitReserve, 5%; 0 ≤ f < 1): while another
// user has shown in a bucket's numbers in the last two windows, requests go at once while
// the callers waiting fit in the budget left less this reserve, and are spread evenly over
// the time to the reset beyond it; alone in a bucket the reserve is not kept. The reserve
// is not withheld from paced requests, which interleave with the other users' instead of
// starving them.
func WithRateLimitReserve(f float64) Option { return func(s *settings) { s.reserve = f } }

// withClock replaces the local clock (tests).
func withClock(c clock) Option { return func(s *settings) { s.clk = c } }

// NewClient returns a client for the org at orgURL (see ParseOrgURL) that authenticates with
// the API token. Errors name what is wrong without repeating the token.
func NewClient(orgURL, token string, opts ...Option) (*Client, error) {
	c, err := buildClient(orgURL, opts)
	if err != nil {
		return nil, err
	}
	if err := checkToken(token); err != nil {
		return nil, err
	}
	c.token = &secret{token}
	return c, nil
}

// buildClient applies opts and checks everything but the credentials.
func buildClient(orgURL string, opts []Option) (*Client, error) {
	s := settings{
		maxConc: DefaultMaxConcurrency, maxRetries: DefaultMaxRetries, maxRateWaits: DefaultMaxRateWaits,
		backoffMin: defaultBackoffMin, backoffMax: defaultBackoffMax, ua: defaultUserAgent, clk: realClock{},
		reserve: DefaultRateLimitReserve,
	}
	for _, o := range opts {
		o(&s)
	}
	norm, err := ParseOrgURL(orgURL, s.allowHTTP)
	if err != nil {
		return nil, err
	}
	switch {
	case s.maxConc < 1:
		return nil, errors.New("okta: WithMaxConcurrency needs at least 1")
	case s.maxRetries < 0 || s.maxRateWaits < 0:
		return nil, errors.New("okta: retry bounds cannot be negative")
	case s.backoffMin <= 0 || s.backoffMax < s.backoffMin:
		return nil, errors.New("okta: WithRetryBackoff needs 0 < min ≤ max")
	case !(s.reserve >= 0 && s.reserve < 1):
		return nil, errors.New("okta: WithRateLimitReserve needs a share in [0, 1)")
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: defaultTimeout}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	base, _ := url.Parse(norm)
	lim := newLimiter(s.clk, s.observer)
	lim.reserve = s.reserve
	return &Client{
		orgURL: norm, base: base, hc: s.hc, log: s.log, ua: s.ua,
		maxRetries: s.maxRetries, maxRateWaits: s.maxRateWaits,
		backoffMin: s.backoffMin, backoffMax: s.backoffMax,
		slots: make(chan struct{}, s.maxConc), lim: lim, clk: s.clk,
	}, nil
}

// checkToken rejects tokens that cannot work, without echoing them.
func checkToken(token string) error {
	switch {
	case strings.TrimSpace(token) == "":
		return errors.New("okta: the API token is empty; create one in the Okta admin console under Security → API → Tokens")
	case strings.Contains(token, "{apiToken}"):
		return errors.New("okta: the API token is still the placeholder {apiToken} from Okta's docs; paste your org's token")
	case strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return errors.New("okta: the API token contains spaces or control characters; paste the token alone")
	}
	return nil
}

// OrgURL returns the normalised org URL ("https://acme.okta.com").
func (c *Client) OrgURL() string { return c.orgURL }

// The printing methods have value receivers so that a copied Client value prints safely too.

// String names the org, never the token.
func (c Client) String() string { return "okta.Client(" + c.orgURL + ")" }

// GoString is String: %#v must not reach the token either.
func (c Client) GoString() string { return c.String() }

// Format makes every fmt verb print String.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue makes slog print String.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// RateLimits returns the state of every bucket this client has used, sorted by name.
func (c *Client) RateLimits() []BucketState { return c.lim.snapshot() }

// secret holds a credential (the API token, an access token); every way of printing it
// prints a placeholder.
type secret struct{ v string }

const redacted = "[redacted]"

func (secret) String() string               { return redacted }
func (secret) GoString() string             { return redacted }
func (secret) Format(f fmt.State, _ rune)   { io.WriteString(f, redacted) }
func (secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (c *Client) sameOrigin(u *url.URL) bool {
	return u.Scheme == c.base.Scheme && u.Host == c.base.Host
}

// request is one API call before retries.
type request struct {
	method string
	path   string     // escaped path, e.g. "/api/v1/users/john%2Fdoe"; ignored when link is set
	query  url.Values // ignored when link is set
	link   string     // an absolute URL from a Link header, followed exactly
	body   any        // JSON-encoded when not nil
	token  bool       // a token request (OAuth): form body built per attempt, no Authorization
}

// response is a 2xx answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// target resolves the request URL: a link as given (same origin only), or path + query.
func (c *Client) target(r *request) (*url.URL, error) {
	if r.link != "" {
		u, err := url.Parse(r.link)
		if err != nil {
			return nil, fmt.Errorf("okta: a Link header holds an invalid URL: %w", err)
		}
		u = c.base.ResolveReference(u)
		if !c.sameOrigin(u) {
			return nil, fmt.Errorf("okta: refusing to follow a link to %s://%s, which is not the org %s", u.Scheme, u.Host, c.orgURL)
		}
		return u, nil
	}
	raw := c.orgURL + r.path
	if len(r.query) > 0 {
		raw += "?" + r.query.Encode()
	}
	return url.Parse(raw)
}
