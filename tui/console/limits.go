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
// pushes out the least advanced one (from the same address first): one that
// has sent nothing, then one that sent only its version line, then one in
// its key exchange, and last one that is authenticating; among those as far
// along, the one that has waited longest. So a flood of idle or banner-only
// connections churns through its own, and a real client, which passes those
// stages in a round trip, is never pushed out by them once it has. An
// authenticated connection is never pushed out: it has left the handshake
// slots. Authenticated connections and sessions have caps of their own, of
// which viewers may not take the last AdminReserve.
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
	stage atomic.Int32 // a connStage: how far its handshake has got

	// The version line so far, seen by Read only (one reader at a time).
	line        [4]byte // the first bytes of the current line
	lineLen     int
	versionSeen bool // a line starting "SSH-" ended

	// guarded by g.mu
	state    connState
	role     engine.Role
	sessions int
}

type connState int

// connStage is how far a pending connection has got in its handshake: the
// least advanced is pushed out first (see Limits).
type connStage int32

const (
	stageSilent connStage = iota // sent nothing
	stageBanner                  // sent (part of) its version line, or lines before it
	stageKex                     // sent bytes past its version line: its key exchange
	stageAuth                    // its key exchange is done: it is authenticating
)

const (
	connPending connState = iota
	connAuthed
	connClosed
)

// admit counts a new connection as pending, pushing out the least advanced
// pending one (of its address first) when a cap is reached.
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
// match: the oldest of the least advanced (-1: none).
func (g *gate) victimLocked(match func(*gatedConn) bool) int {
	victim, least := -1, connStage(0)
	for i, p := range g.pending {
		if !match(p) {
			continue
		}
		if st := connStage(p.stage.Load()); victim < 0 || st < least {
			victim, least = i, st
			if st == stageSilent {
				break // none is less advanced, and this is the oldest
			}
		}
	}
	return victim
}

// advance records that the connection got to stage (never back).
func (gc *gatedConn) advance(stage connStage) {
	for {
		was := gc.stage.Load()
		if was >= int32(stage) || gc.stage.CompareAndSwap(was, int32(stage)) {
			return
		}
	}
}

// Read follows the client's version line: up to its end the connection is
// at the banner stage, past it in its key exchange.
func (gc *gatedConn) Read(b []byte) (int, error) {
	n, err := gc.Conn.Read(b)
	if n > 0 && connStage(gc.stage.Load()) < stageKex {
		gc.advance(gc.scan(b[:n]))
	}
	return n, err
}

// scan reads bytes the client sent before its key exchange: the version
// line "SSH-2.0-…\r\n", possibly after other lines (RFC 4253 4.2).
func (gc *gatedConn) scan(p []byte) connStage {
	for _, c := range p {
		if gc.versionSeen {
			return stageKex
		}
		if c == '\n' {
			gc.versionSeen = gc.lineLen == 4 && string(gc.line[:]) == "SSH-"
			gc.lineLen = 0
			continue
		}
		if gc.lineLen < len(gc.line) {
			gc.line[gc.lineLen] = c
			gc.lineLen++
		}
	}
	return stageBanner
}

// keyExchanged records that the connection's key exchange is done: it is
// about to authenticate.
func (gc *gatedConn) keyExchanged() { gc.advance(stageAuth) }

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
	g.log.Warn("SSH console: too many connections still in their handshake; the least advanced were closed",
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
