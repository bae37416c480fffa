package engine

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// connLimiter caps the connections a listener holds. Unlike a semaphore
// around Accept (netutil.LimitListener), it never stops accepting: at the
// cap a new connection pushes out the one that has waited longest without
// a request in progress. A client that connects and sends nothing, or
// sends its headers a byte at a time, or idles on keep-alive, therefore
// holds its slot only until someone else needs it; a connection is never
// cut while its request runs (those are bounded by the server's read and
// write timeouts instead).
//
// The http.Server reports each connection's state through track (its
// ConnState hook): StateNew until a request's headers are read, StateActive
// while a request runs, StateIdle between keep-alive requests. A request
// whose handler is blocked reading a body that does not come (see
// guardBodies) counts as waiting too: a declared body that is never sent
// holds its slot no better than silence before the headers.
type connLimiter struct {
	net.Listener
	max     int
	dropped *prometheus.CounterVec // by reason

	ops bool // the operations address's (see ListenOptions.OpsAddr)

	mu       sync.Mutex
	conns    map[*trackedConn]struct{}
	draining bool // the server is shutting down
}

type trackedConn struct {
	net.Conn
	l     *connLimiter
	state http.ConnState // guarded by l.mu
	since time.Time      // when it entered state; guarded by l.mu
	// bodyWait is set while the handler waits in a read of the request
	// body, since bodySince; guarded by l.mu.
	bodyWait  bool
	bodySince time.Time
}

func newConnLimiter(ln net.Listener, max int, dropped *prometheus.CounterVec) *connLimiter {
	return &connLimiter{Listener: ln, max: max, dropped: dropped, conns: map[*trackedConn]struct{}{}}
}

// Accept returns the next connection, making room for it when the cap is reached.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, l: l, state: http.StateNew, since: time.Now()}
		l.mu.Lock()
		var victim *trackedConn
		if len(l.conns) >= l.max {
			victim = l.longestWaitingLocked()
			if victim == nil { // every connection is serving a request
				l.mu.Unlock()
				l.dropped.WithLabelValues("busy").Inc()
				c.Close()
				continue
			}
			delete(l.conns, victim)
		}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		if victim != nil {
			l.dropped.WithLabelValues("evicted").Inc()
			victim.Conn.Close()
		}
		return tc, nil
	}
}

// longestWaitingLocked is the connection without a request in progress
// that has waited longest, or nil.
func (l *connLimiter) longestWaitingLocked() *trackedConn {
	var oldest *trackedConn
	var oldestSince time.Time
	for c := range l.conns {
		since, waiting := c.waitingSinceLocked()
		if !waiting {
			continue
		}
		if oldest == nil || since.Before(oldestSince) {
			oldest, oldestSince = c, since
		}
	}
	return oldest
}

// waitingSinceLocked tells whether c waits on its client (no request yet,
// idle keep-alive, or a body read that has not returned) and since when.
func (c *trackedConn) waitingSinceLocked() (time.Time, bool) {
	switch {
	case c.state == http.StateNew || c.state == http.StateIdle:
		return c.since, true
	case c.state == http.StateActive && c.bodyWait:
		return c.bodySince, true
	}
	return time.Time{}, false
}

// waitBody marks c as waiting for its request body (on) or not. While the
// server shuts down, a connection that would wait for a body is closed
// instead: its request has not been answered, so the client retries it
// elsewhere, and Shutdown is not held until the read timeout.
func (c *trackedConn) waitBody(on bool) {
	l := c.l
	l.mu.Lock()
	if on && l.draining {
		delete(l.conns, c)
		l.mu.Unlock()
		c.Conn.Close()
		return
	}
	c.bodyWait = on
	if on {
		c.bodySince = time.Now()
	}
	l.mu.Unlock()
}

// drain is the server's RegisterOnShutdown hook. http.Server.Shutdown
// closes idle connections and waits for active ones; drain also closes
// those whose client has sent no complete request yet and those whose
// handler waits for a body, so that neither holds the shutdown: none of
// them has had an answer, so nothing accepted is lost.
func (l *connLimiter) drain() {
	l.mu.Lock()
	l.draining = true
	var victims []*trackedConn
	for c := range l.conns {
		if _, waiting := c.waitingSinceLocked(); waiting && c.state != http.StateIdle {
			victims = append(victims, c)
			delete(l.conns, c)
		}
	}
	l.mu.Unlock()
	// Not counted in dropped: that counts the cap at work, and the process is stopping.
	for _, c := range victims {
		c.Conn.Close()
	}
}

// trackConn is the http.Server's ConnState hook: it tells the connection's
// own limiter (a server may serve several).
func trackConn(c net.Conn, st http.ConnState) {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok { // a *tls.Conn over ours
		c = u.NetConn()
	}
	if tc, ok := c.(*trackedConn); ok {
		tc.l.track(tc, st)
	}
}

func (l *connLimiter) track(tc *trackedConn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, tc)
	default:
		tc.state, tc.since, tc.bodyWait = st, time.Now(), false
	}
}

func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
