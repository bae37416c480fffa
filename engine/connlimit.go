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
// while a request runs, StateIdle between keep-alive requests.
type connLimiter struct {
	net.Listener
	max     int
	dropped *prometheus.CounterVec // by reason

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

type trackedConn struct {
	net.Conn
	l     *connLimiter
	state http.ConnState // guarded by l.mu
	since time.Time      // when it entered state; guarded by l.mu
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
	for c := range l.conns {
		if c.state != http.StateNew && c.state != http.StateIdle {
			continue
		}
		if oldest == nil || c.since.Before(oldest.since) {
			oldest = c
		}
	}
	return oldest
}

// track is the http.Server's ConnState hook.
func (l *connLimiter) track(c net.Conn, st http.ConnState) {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok { // a *tls.Conn over ours
		c = u.NetConn()
	}
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, tc)
	default:
		tc.state, tc.since = st, time.Now()
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
