package oktatest

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxBody bounds a request body; Okta's own limit is far above anything a
// user or schema update needs.
const maxBody = 1 << 20

// answer is a finished response, built with the lock held and written after
// it was released.
type answer struct {
	status    int
	body      []byte // nil: no body
	links     []string
	header    http.Header
	date      time.Time
	requestID string
	bucket    string
	rate      rateHeaders
	drop      bool // applied, but close the connection without answering
}

// ServeHTTP answers one Okta API request. The steps, in order: the
// concurrency cap, injected latency (without the lock), a 429 storm, the
// bucket's rate limit, authentication, routing, an injected 500 (not
// applied), the handler, and an injected dropped connection (applied).
// Links in responses use the scheme and Host of the request.
func (o *Org) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	capacity, latency := o.opts.Concurrency, o.opts.Latency
	o.mu.Unlock()

	n := o.inflight.Add(1)
	defer o.inflight.Add(-1)
	if n > int64(capacity) {
		o.finish(w, r, o.overCapacity(r))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if latency > 0 {
		sleep(r, latency)
	}
	var a answer
	if err != nil || len(body) > maxBody {
		a = o.answerError(r, errMalformed)
	} else {
		a = o.handle(r, body)
	}
	o.finish(w, r, a)
}

// sleep waits d or until the client gives up.
func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// handle runs the request against the org's state under the lock. The
// caller is identified first (so that its share of the rate limit can be
// counted), but an authentication failure is answered only after the rate
// limit, as before: an exhausted bucket answers 429 whoever asks.
func (o *Org) handle(r *http.Request, body []byte) answer {
	o.mu.Lock()
	defer o.mu.Unlock()
	segs, isAPI := apiSegments(r)
	c := &call{r: r, base: baseURL(r), now: o.now(), requestID: o.ids.requestID(), body: body}
	token := r.URL.Path == tokenPath
	bucket := bucketFor(r.Method, segs)
	var denied *reply
	if token {
		bucket = bucketOAuth
	} else {
		c.principal, denied = o.identify(c, segs)
	}

	var rep *reply
	var rate rateHeaders
	drop := false
	if c.now.Before(o.storm) {
		rate = rateHeaders{limit: o.limitFor(bucket), reset: ceilSecond(o.storm).Unix()}
		rep = fail(errRateLimited)
	} else if h, allowed := o.take(bucket, c.principal, c.now); !allowed {
		rate, rep = h, fail(errRateLimited)
	} else {
		rate = h
		switch {
		case denied != nil:
			rep = denied
		case token && o.injectFailure():
			rep = fail(errInternal)
		case token:
			rep = o.tokenEndpoint(c)
		default:
			rep, drop = o.dispatch(c, segs, isAPI)
		}
	}
	return o.render(c, bucket, rate, rep, drop)
}

// dispatch routes an authenticated request, checks an OAuth token's scope
// and runs the handler, injecting faults.
func (o *Org) dispatch(c *call, segs []string, isAPI bool) (rep *reply, drop bool) {
	var rt *route
	if isAPI {
		rt, c.params = match(segs)
	}
	if rt == nil {
		return fail(errPathNotFound), false
	}
	h := rt.methods[c.r.Method]
	if h == nil {
		rep = fail(errMethod)
		rep.header = http.Header{"Allow": {rt.allow()}}
		return rep, false
	}
	if tok := c.principal.token; tok != nil {
		if scope := requiredScope(c.r.Method, segs); !grants(tok.scopes, scope) {
			return o.insufficientScope(c, scope), false
		}
	}
	if o.injectFailure() {
		return fail(errInternal), false
	}
	rep = h(o, c)
	return rep, o.injectDrop(c.r.Method) && rep.status < 300
}

// render encodes the reply and counts it, with the lock held.
func (o *Org) render(c *call, bucket string, rate rateHeaders, rep *reply, drop bool) answer {
	a := answer{
		status: rep.status, links: rep.links, header: rep.header, date: c.now,
		requestID: c.requestID, bucket: bucket, rate: rate, drop: drop,
	}
	body := rep.body
	if rep.err != nil {
		body = rep.err.body(o.ids.errorID())
	}
	if body != nil {
		b, err := encodeJSON(body)
		if err != nil {
			b, _ = encodeJSON(errInternal.body(o.ids.errorID()))
			a.status = errInternal.status
		}
		a.body = b
	}
	status := a.status
	if drop {
		status = StatusDropped
	}
	o.counts[RequestKey{bucket, status}]++
	return a
}

// answerError answers e without touching state (a body that could not be read).
func (o *Org) answerError(r *http.Request, e *apiError) answer {
	o.mu.Lock()
	defer o.mu.Unlock()
	segs, _ := apiSegments(r)
	c := &call{r: r, base: baseURL(r), now: o.now(), requestID: o.ids.requestID()}
	bucket := bucketFor(r.Method, segs)
	if r.URL.Path == tokenPath {
		bucket = bucketOAuth
	}
	rate, _ := o.take(bucket, principal{}, c.now)
	return o.render(c, bucket, rate, fail(e), false)
}

// overCapacity is the concurrency-limit 429: Okta reports Limit and
// Remaining 0 and an estimated Reset, and the request takes nothing from
// its bucket.
func (o *Org) overCapacity(r *http.Request) answer {
	o.mu.Lock()
	defer o.mu.Unlock()
	segs, _ := apiSegments(r)
	c := &call{r: r, base: baseURL(r), now: o.now(), requestID: o.ids.requestID()}
	rate := rateHeaders{reset: ceilSecond(c.now.Add(time.Second)).Unix()}
	return o.render(c, bucketFor(r.Method, segs), rate, fail(errRateLimited), false)
}

// finish writes the answer (or drops the connection) and reports it.
func (o *Org) finish(w http.ResponseWriter, r *http.Request, a answer) {
	h := w.Header()
	h.Set("Date", a.date.UTC().Format(http.TimeFormat))
	h.Set("X-Okta-Request-Id", a.requestID)
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(a.rate.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(a.rate.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(a.rate.reset, 10))
	for _, l := range a.links {
		h.Add("Link", l)
	}
	for k, vs := range a.header {
		h[k] = vs
	}
	if a.drop {
		o.report(r, a, StatusDropped)
		dropConnection(w)
		return
	}
	if a.body != nil {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	if a.body != nil {
		_, _ = w.Write(a.body)
	}
	o.report(r, a, a.status)
}

// report calls Options.OnRequest, if any.
func (o *Org) report(r *http.Request, a answer, status int) {
	o.mu.Lock()
	fn := o.opts.OnRequest
	o.mu.Unlock()
	if fn == nil {
		return
	}
	path := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	fn(RequestInfo{
		Method: r.Method, Path: path, Status: status, Bucket: a.bucket,
		Limit: a.rate.limit, Remaining: a.rate.remaining, RequestID: a.requestID,
	})
}

// baseURL is scheme://host of the request, for links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
