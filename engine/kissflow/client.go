package kissflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/retryafter"
)

// Client calls one Kissflow account. It is safe for concurrent use; every
// call waits for its turn on the account's Pacer, and 429, 5xx and network
// failures are retried with backoff (a 429's Retry-After is honoured).
type Client struct {
	cfg      Config
	r        resolved
	http     *http.Client
	pacer    *Pacer
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
	ua       string
	observe  func(Call)
}

// Call describes one HTTP exchange, for metrics.
type Call struct {
	Method, Op string
	Status     int // 0: no answer
	Duration   time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: a 30 s timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithPacer shares a pacer: give every client of one Kissflow account the
// same one. Default: a pacer of the client's own.
func WithPacer(p *Pacer) Option { return func(c *Client) { c.pacer = p } }

// WithRetry sets how often a call is tried (at least 1) and the first
// backoff (doubled each time, ±10 %).
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(c *Client) { c.attempts, c.backoff = max(attempts, 1), backoff }
}

// WithMaxRetryWait caps one wait between tries, Retry-After included
// (default 2 minutes).
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// WithObserver is called after every HTTP exchange.
func WithObserver(f func(Call)) Option { return func(c *Client) { c.observe = f } }

// New checks cfg and returns a client. A problem with cfg is a joined
// *ConfigError for each setting.
func New(cfg Config, opts ...Option) (*Client, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, r: r, attempts: 4, backoff: time.Second, maxWait: 2 * time.Minute, ua: "oktaflow"}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.pacer == nil {
		c.pacer = NewPacer(0, 0)
	}
	return c, nil
}

// Origin is the account's origin (https://acme.kissflow.com).
func (c *Client) Origin() string { return c.r.origin }

// BaseURL is the filled API base URL.
func (c *Client) BaseURL() string { return c.r.base }

// AccountID is the Kissflow account id the client calls.
func (c *Client) AccountID() string { return strings.TrimSpace(c.cfg.AccountID) }

// Pacer is the pacer the client's calls wait on.
func (c *Client) Pacer() *Pacer { return c.pacer }

// do sends one request (with retries) and decodes a JSON answer into out
// (when out is not nil).
func (c *Client) do(ctx context.Context, method, rawURL, op string, body any, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("Kissflow: encode the request to %s: %w", op, err)
		}
	}
	var last error
	for attempt := 1; ; attempt++ {
		if err := c.pacer.Wait(ctx); err != nil {
			return errors.Join(err, last)
		}
		status, respBody, hdr, err := c.send(ctx, method, rawURL, op, payload)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return fmt.Errorf("Kissflow: %s: %w", op, ctx.Err())
			}
			if refused := refusal(err); refused != nil {
				return fmt.Errorf("Kissflow: %s: %w", op, refused) // trying again cannot help
			}
			last = fmt.Errorf("Kissflow: %s: %w", op, err)
		case status/100 == 2:
			if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				return fmt.Errorf("Kissflow: the answer to %s is not the JSON expected (%v): %s", op, err, snippet(respBody))
			}
			return nil
		default:
			ra := retryafter.Parse(hdr.Get("Retry-After"), time.Now())
			ae := parseError(status, respBody, op, ra)
			if status == http.StatusTooManyRequests {
				c.pacer.Throttled(ra)
				wait = ra
			}
			if !ae.Temporary() {
				return ae
			}
			last = ae
		}
		if attempt >= c.attempts {
			return last
		}
		backoff := c.backoff << (attempt - 1)
		backoff += time.Duration((rand.Float64()*0.2 - 0.1) * float64(backoff))
		if err := sleepCtx(ctx, min(max(wait, backoff), c.maxWait)); err != nil {
			return errors.Join(err, last)
		}
	}
}

// permanentError is an error that trying again cannot cure. The
// private-address policy's refusal (*trigger.AddressError) is one; the
// policy lives in engine/trigger, which imports this package, so the
// client knows it by this method rather than by its type.
type permanentError interface {
	error
	Permanent() bool
}

// refusal is the permanent error inside err (a dial refused by the
// address policy, wrapped in *url.Error and *net.OpError), or nil.
func refusal(err error) error {
	var p permanentError
	if errors.As(err, &p) && p.Permanent() {
		return p
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, rawURL, op string, payload []byte) (int, []byte, http.Header, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("X-Access-Key-Id", strings.TrimSpace(c.cfg.AccessKeyID))
	req.Header.Set("X-Access-Key-Secret", c.cfg.AccessKeySecret)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.note(Call{Method: method, Op: op, Duration: time.Since(start)})
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	c.note(Call{Method: method, Op: op, Status: resp.StatusCode, Duration: time.Since(start)})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(raw) > maxAnswer {
		return 0, nil, nil, fmt.Errorf("the answer is larger than %d MiB", maxAnswer>>20)
	}
	return resp.StatusCode, raw, resp.Header, nil
}

// maxAnswer bounds what one answer may hold.
const maxAnswer = 32 << 20

func (c *Client) note(call Call) {
	if c.observe != nil {
		c.observe(call)
	}
}
