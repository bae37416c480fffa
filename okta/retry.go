package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// do performs r with pacing, the concurrency cap and retries, and returns the 2xx answer or
// an error: *APIError for other answers, *RateLimitError when 429s outlast the bound, the
// network error after the retry bound, or ctx's error (wrapped) when ctx ends, including in
// the middle of any wait.
//
// Retried: network errors and answers lost in transit (also for POST: a create whose answer
// was lost is retried and the caller adopts the user on E0000001 already-exists), 5xx, and
// 429. Never retried: any other 4xx. Retries carry X-Okta-Retry-For (the request id of the
// failed answer) and X-Okta-Retry-Count, as Okta's SDKs do.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	u, err := c.target(r)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.body != nil {
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("okta: encoding the %s %s body: %w", r.method, u.Path, err)
		}
	}
	bucket := bucketFor(r.method, u.EscapedPath())
	var (
		retryFor                   string
		retries, rlWaits           int
		nonceRetries, tokenRetries int
		lastErr                    error
	)
	for attempt := 0; ; attempt++ {
		var tok *accessToken
		if c.oauth != nil && !r.token {
			if tok, err = c.accessToken(ctx); err != nil {
				return nil, err
			}
		}
		resp, recv, err := c.attempt(ctx, r, u, bucket, body, tok, attempt, retryFor)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("okta: %s %s: %w", r.method, u.Path, ctx.Err())
		case err != nil:
			lastErr = fmt.Errorf("okta: %s %s: %w", r.method, u.Path, err)
			if retries >= c.maxRetries {
				return nil, lastErr
			}
			retries++
			retryFor, wait = "", c.backoff(retries)
		case resp.status < 300:
			return resp, nil
		case c.oauth != nil && c.retryAtOnce(r.token, resp, tok, &nonceRetries, &tokenRetries):
			retryFor = resp.header.Get("X-Okta-Request-Id")
			continue // a DPoP nonce or a fresh token: no wait
		default:
			if r.token && resp.status != http.StatusTooManyRequests && resp.status < 500 {
				if oe := newOAuthError(resp.status, resp.header, resp.body, c.oauth.clientID, c.oauth.scopes); oe != nil {
					return nil, oe
				}
			}
			apiErr := newAPIError(r.method, u.Path, resp.status, resp.header, resp.body)
			if c.oauth != nil && tok != nil {
				apiErr.RequiredScope = requiredScope(r.method, u.Path, resp.status, apiErr.Code, resp.header, tok.scopes, true)
			}
			retryFor, lastErr = apiErr.RequestID, apiErr
			switch {
			case resp.status == http.StatusTooManyRequests:
				rlWaits++
				var until time.Time
				wait, until = c.rateLimitWait(resp.header, recv, rlWaits)
				if rlWaits > c.maxRateWaits {
					return nil, &RateLimitError{Bucket: bucket, RetryAt: until, Err: apiErr}
				}
				c.lim.hold(bucket, recv.Add(wait))
			case resp.status >= 500 && retries < c.maxRetries:
				retries++
				wait = c.backoff(retries)
			default:
				return nil, apiErr
			}
		}
		c.log.Info("okta: retrying", "method", r.method, "path", u.Path, "bucket", bucket,
			"attempt", attempt+1, "wait", wait, "error", lastErr)
		err = c.clk.Sleep(ctx, wait)
		c.lim.release(bucket)
		if err != nil {
			return nil, fmt.Errorf("okta: %s %s: %w", r.method, u.Path, err)
		}
	}
}

// attempt sends the request once: it waits for the bucket's pacing and a concurrency slot,
// then returns the answer (read in full) and the local time it arrived. A token request's
// form is built here, so that every attempt carries a fresh client assertion.
func (c *Client) attempt(ctx context.Context, r *request, u *url.URL, bucket string,
	body []byte, tok *accessToken, attempt int, retryFor string) (*response, time.Time, error) {
	contentType := "application/json"
	if r.token {
		form, err := c.tokenForm()
		if err != nil {
			return nil, time.Time{}, err
		}
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	t, err := c.lim.acquire(ctx, bucket)
	if err != nil {
		return nil, time.Time{}, err
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		t.done(0, nil, c.clk.Now())
		return nil, time.Time{}, ctx.Err()
	}
	defer func() { <-c.slots }()

	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), bytes.NewReader(body))
	if err != nil {
		t.done(0, nil, c.clk.Now())
		return nil, time.Time{}, err
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	} else {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if attempt > 0 {
		req.Header.Set("X-Okta-Retry-Count", strconv.Itoa(attempt))
		if retryFor != "" {
			req.Header.Set("X-Okta-Retry-For", retryFor)
		}
	}
	if err := c.authorize(req, r.token, tok); err != nil {
		t.done(0, nil, c.clk.Now())
		return nil, time.Time{}, err
	}

	t.sent = c.clk.Now()
	hr, err := c.hc.Do(req)
	recv := c.clk.Now()
	if err != nil {
		t.done(0, nil, recv)
		return nil, recv, unwrapURLError(err)
	}
	defer hr.Body.Close()
	t.done(hr.StatusCode, hr.Header, recv)
	if c.oauth != nil {
		c.oauth.noteNonce(r.token, hr.Header)
	}
	data, err := io.ReadAll(io.LimitReader(hr.Body, maxBodyBytes+1))
	if err == nil && len(data) > maxBodyBytes {
		err = fmt.Errorf("answer larger than %d bytes", maxBodyBytes)
	}
	if err != nil {
		return nil, recv, fmt.Errorf("reading the answer: %w", err)
	}
	c.log.Debug("okta: request", "method", r.method, "path", req.URL.Path, "bucket", bucket,
		"status", hr.StatusCode, "request_id", hr.Header.Get("X-Okta-Request-Id"),
		"attempt", attempt+1, "took", recv.Sub(t.sent))
	return &response{status: hr.StatusCode, header: hr.Header, body: data}, recv, nil
}

// unwrapURLError drops net/http's *url.Error wrapper, whose text repeats the full URL with
// its query (search terms are personal data); the caller adds method and path.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// rateLimitWait returns how long to wait after a 429 that arrived at local time recv, and
// the local time the bucket is expected to reset. With Date and X-Rate-Limit-Reset the wait
// ends a few milliseconds (5–10 ms, jittered so that waiting callers do not land at one
// instant) after the local time at which the server's clock, as estimated from all the Date
// headers seen (clock.go), is surely past the reset: Date alone has whole seconds, but the
// estimate is about a round trip wide, so Okta's "Reset − Date + 1 s" would waste most of
// a second. Without them (or on the concurrency limit's 429, Limit 0) it falls back to
// exponential backoff.
func (c *Client) rateLimitWait(h http.Header, recv time.Time, n int) (time.Duration, time.Time) {
	date, err := http.ParseTime(h.Get("Date"))
	resetSec, err2 := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	limit, _ := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	reset := time.Unix(resetSec, 0)
	if err != nil || err2 != nil || limit <= 0 || reset.Before(date) {
		d := c.backoff(n)
		return d, recv.Add(d)
	}
	until := c.lim.localAtLeast(reset)
	d := max(until.Sub(recv), 0) + resetMargin
	return d + jitter(resetMargin), until
}

// resetMargin is added to a wait for a window's reset: the wait ends this much after the
// server is surely past it.
const resetMargin = 5 * time.Millisecond

// backoff returns the n-th (1-based) retry delay: backoffMin·2ⁿ⁻¹ capped at backoffMax, ±10%.
func (c *Client) backoff(n int) time.Duration {
	d := c.backoffMin
	for i := 1; i < n && d < c.backoffMax; i++ {
		d *= 2
	}
	d = min(d, c.backoffMax)
	return d - d/10 + jitter(d/5)
}

// jitter returns a random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
