package oktatest

import (
	"net/http"
	"time"
)

// Fault injection. Every decision draws from the org's fault generator
// (seeded by Options.Seed, separate from the id generator), in request
// order, so a given sequence of requests meets the same faults every run.

// Storm makes every request answer 429 E0000047 for the next d, as an org
// does when another integration has exhausted the limits.
func (o *Org) Storm(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.storm = o.now().Add(d)
}

// SetFaults changes the fault injection of Options (FaultRate, DropRate,
// Latency) from the next request on.
func (o *Org) SetFaults(faultRate, dropRate float64, latency time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opts.FaultRate, o.opts.DropRate, o.opts.Latency = faultRate, dropRate, latency
}

// SetSearchLag changes Options.SearchLag from the next request on; turning
// it on starts the index from the org's state now.
func (o *Org) SetSearchLag(lag time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opts.SearchLag = lag
	o.index.setLag(o, lag)
}

// injectFailure decides whether this request is answered 500 E0000009
// without being applied (Options.FaultRate).
func (o *Org) injectFailure() bool {
	return o.opts.FaultRate > 0 && o.faults.Float64() < o.opts.FaultRate
}

// injectDrop decides whether this request, once applied, loses its
// response (Options.DropRate). Only changes are dropped: a lost read teaches
// a client nothing a 500 does not.
func (o *Org) injectDrop(method string) bool {
	mutating := method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete || method == http.MethodPatch
	return mutating && o.opts.DropRate > 0 && o.faults.Float64() < o.opts.DropRate
}

// dropConnection closes the client's connection without a response, as
// when a network fails after Okta applied the change.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a wrapped writer: abort the response instead
}
