package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oktaflow/oktaflow/engine"
)

// Limits bound what SSH clients can hold open. Zero fields take the
// defaults below.
//
// The rule they keep: idle, slow or hostile clients never keep an admin
// out. A connection that has not authenticated costs a slot among
// MaxUnauthenticated (and MaxUnauthenticatedPerIP from its address) for at
// most HandshakeTimeout, and when the slots are full a new connection
// pushes out the one that has waited longest (from the same address first),
// so a flood churns through its own connections while a real client's
// handshake, which takes milliseconds, gets through; and a connection that
// has sent nothing yet goes before one that is talking, so a flood of idle
// connections never pushes out a real client. Authenticated
// connections and sessions have caps of their own, of which viewers may not
// take the last AdminReserve.
type Limits struct {
	// HandshakeTimeout bounds the time from the TCP connect to a finished
	// authentication (default 10 s).
	HandshakeTimeout time.Duration
	// MaxUnauthenticated caps the connections still in their handshake, from
	// all addresses (default 64).
	MaxUnauthenticated int
	// MaxUnauthenticatedPerIP caps them from one address (default 8).
	MaxUnauthenticatedPerIP int
	// MaxConnections caps the authenticated connections (default 128).
	MaxConnections int
	// MaxSessions caps the sessions (the app or a command) open at once
	// (default 64).
	MaxSessions int
	// MaxSessionsPerConn caps the sessions one connection multiplexes
	// (default 10, as OpenSSH's MaxSessions).
	MaxSessionsPerConn int
	// AdminReserve is how many connections and sessions are kept for
	// admins: a viewer is refused when fewer are free (default 8; it is
	// lowered to leave viewers at least one when the caps are small).
	AdminReserve int
}

// Default limits.
const (
	DefaultHandshakeTimeout        = 10 * time.Second
	DefaultMaxUnauthenticated      = 64
	DefaultMaxUnauthenticatedPerIP = 8
	DefaultMaxConnections          = 128
	DefaultMaxSessions             = 64
	DefaultMaxSessionsPerConn      = 10
	DefaultAdminReserve            = 8
)

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.HandshakeTimeout <= 0 {
		l.HandshakeTimeout = DefaultHandshakeTimeout
	}
	def(&l.MaxUnauthenticated, DefaultMaxUnauthenticated)
	def(&l.MaxUnauthenticatedPerIP, DefaultMaxUnauthenticatedPerIP)
	def(&l.MaxConnections, DefaultMaxConnections)
	def(&l.MaxSessions, DefaultMaxSessions)
	def(&l.MaxSessionsPerConn, DefaultMaxSessionsPerConn)
	if l.AdminReserve < 0 {
		l.AdminReserve = 0
	} else if l.AdminReserve == 0 {
		l.AdminReserve = DefaultAdminReserve
	}
	l.AdminReserve = min(l.AdminReserve, l.MaxConnections-1, l.MaxSessions-1)
	l.MaxUnauthenticatedPerIP = min(l.MaxUnauthenticatedPerIP, l.MaxUnauthenticated)
	return l
}

// errBusy is a refusal at a cap.
var errBusy = errors.New("the SSH console is at its limit")

// gate counts connections and sessions against the Limits.
type gate struct {
	l   Limits
	log *slog.Logger

	mu       sync.Mutex
	pending  []*gatedConn // not yet authenticated, oldest first
	perIP    map[string]int
	authed   int
	sessions int
	// dropped counts pending connections pushed out since the last warning.
	dropped  int
	lastWarn time.Time
	admitted int // connections ever admitted (tests wait on it)
}

func newGate(l Limits, log *slog.Logger) *gate {
	return &gate{l: l.withDefaults(), log: log, perIP: map[string]int{}}
}

// gatedConn is a connection the gate counts; closing it releases its slot.
type gatedConn struct {
	net.Conn
	g     *gate
	ip    string
	spoke atomic.Bool // the client has sent something

	// guarded by g.mu
	state    connState
	role     engine.Role
	sessions int
}

type connState int

const (
	connPending connState = iota
	connAuthed
	connClosed
)

// admit counts a new connection as pending, pushing out the oldest pending
// one (of its address first) when a cap is reached.
func (g *gate) admit(c net.Conn) *gatedConn {
	gc := &gatedConn{Conn: c, g: g, ip: ipKey(c.RemoteAddr())}
	var victims []*gatedConn
	g.mu.Lock()
	g.admitted++
	if g.perIP[gc.ip] >= g.l.MaxUnauthenticatedPerIP {
		if i := g.victimLocked(func(p *gatedConn) bool { return p.ip == gc.ip }); i >= 0 {
			victims = append(victims, g.dropPendingLocked(i))
		}
	}
	if len(g.pending) >= g.l.MaxUnauthenticated {
		victims = append(victims, g.dropPendingLocked(g.victimLocked(func(*gatedConn) bool { return true })))
	}
	g.pending = append(g.pending, gc)
	g.perIP[gc.ip]++
	g.warnLocked(len(victims))
	g.mu.Unlock()
	for _, v := range victims {
		v.Conn.Close()
	}
	return gc
}

// victimLocked picks the pending connection to push out among those that
// match: the oldest that has sent nothing, else the oldest (-1: none).
func (g *gate) victimLocked(match func(*gatedConn) bool) int {
	first := -1
	for i, p := range g.pending {
		if !match(p) {
			continue
		}
		if !p.spoke.Load() {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// Read marks the connection as talking.
func (gc *gatedConn) Read(b []byte) (int, error) {
	n, err := gc.Conn.Read(b)
	if n > 0 && !gc.spoke.Load() {
		gc.spoke.Store(true)
	}
	return n, err
}

// dropPendingLocked takes pending[i] out and marks it closed; the caller
// closes its socket once the lock is released.
func (g *gate) dropPendingLocked(i int) *gatedConn {
	v := g.pending[i]
	g.pending = slices.Delete(g.pending, i, i+1)
	g.releaseIPLocked(v.ip)
	v.state = connClosed
	return v
}

func (g *gate) releaseIPLocked(ip string) {
	if g.perIP[ip] <= 1 {
		delete(g.perIP, ip)
	} else {
		g.perIP[ip]--
	}
}

// warnLocked logs pushed-out connections at most once a minute, so that a
// flood shows in the log without filling it.
func (g *gate) warnLocked(n int) {
	g.dropped += n
	if g.dropped == 0 || time.Since(g.lastWarn) < time.Minute {
		return
	}
	g.log.Warn("SSH console: too many connections still in their handshake; the oldest were closed",
		"closed", g.dropped, "max_unauthenticated", g.l.MaxUnauthenticated, "per_ip", g.l.MaxUnauthenticatedPerIP)
	g.dropped, g.lastWarn = 0, time.Now()
}

// limit is a cap less the admins' reserve for anyone but an admin.
func (g *gate) limit(max int, role engine.Role) int {
	if role == engine.RoleAdmin {
		return max
	}
	return max - g.l.AdminReserve
}

// authenticated moves a connection from pending to authenticated, or
// refuses it at the connection cap (it then stays pending, and its
// handshake fails or times out).
func (gc *gatedConn) authenticated(role engine.Role) error {
	g := gc.g
	g.mu.Lock()
	defer g.mu.Unlock()
	switch gc.state {
	case connClosed:
		return errors.New("connection closed")
	case connAuthed:
		return nil
	}
	if g.authed >= g.limit(g.l.MaxConnections, role) {
		return fmt.Errorf("%w: %s open", errBusy, nouns(g.authed, "connection is", "connections are"))
	}
	if i := slices.Index(g.pending, gc); i >= 0 {
		g.pending = slices.Delete(g.pending, i, i+1)
		g.releaseIPLocked(gc.ip)
	}
	gc.state, gc.role = connAuthed, role
	g.authed++
	return nil
}

// openSession counts a new session of the connection, or refuses it at a cap.
func (gc *gatedConn) openSession() error {
	g := gc.g
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case gc.state != connAuthed:
		return errors.New("not authenticated")
	case gc.sessions >= g.l.MaxSessionsPerConn:
		return fmt.Errorf("%w: this connection has %s open; close one", errBusy, nouns(gc.sessions, "session", "sessions"))
	case g.sessions >= g.limit(g.l.MaxSessions, gc.role):
		return fmt.Errorf("%w: %s open; try again later", errBusy, nouns(g.sessions, "session is", "sessions are"))
	}
	gc.sessions++
	g.sessions++
	return nil
}

func (gc *gatedConn) closeSession() {
	g := gc.g
	g.mu.Lock()
	defer g.mu.Unlock()
	gc.sessions--
	g.sessions--
}

// Close releases the connection's slot and closes it.
func (gc *gatedConn) Close() error {
	g := gc.g
	g.mu.Lock()
	switch gc.state {
	case connPending:
		if i := slices.Index(g.pending, gc); i >= 0 {
			g.pending = slices.Delete(g.pending, i, i+1)
			g.releaseIPLocked(gc.ip)
		}
	case connAuthed:
		g.authed--
	}
	gc.state = connClosed
	g.mu.Unlock()
	return gc.Conn.Close()
}

// counts reports the connections and sessions the gate holds, and how many
// connections it has admitted in all.
func (g *gate) counts() (pending, authed, sessions, admitted int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending), g.authed, g.sessions, g.admitted
}

// ipKey is the address a per-address cap counts by: the IP for IPv4, the
// /64 for IPv6 (one host usually holds a whole /64).
func ipKey(addr net.Addr) string {
	ip := hostIP(addr)
	if ip == nil {
		return addr.String()
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// nouns is n and a noun in the right number: "1 session", "2 sessions".
func nouns(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
