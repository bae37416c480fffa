package console

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
)

// bannerOnly opens a TCP connection, sends an SSH version line and nothing
// more, and returns once the server has read it (it has started its key
// exchange: bytes past its own version line arrived).
func (f *fixture) bannerOnly() net.Conn {
	f.t.Helper()
	c := f.rawConn("")
	if _, err := c.Write([]byte("SSH-2.0-flood\r\n")); err != nil {
		f.t.Fatal(err)
	}
	// The deadline only ends a hung test.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []byte
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if i := bytes.IndexByte(got, '\n'); i >= 0 && len(got) > i+1 {
			c.SetReadDeadline(time.Time{})
			return c
		}
		if err != nil {
			f.t.Fatalf("a banner-only client: the server never started its key exchange: %v (read %q); gate %v", err, got, fmt.Sprint(f.srv.gate.counts()))
		}
	}
}

// TestFloodNeverEvictsAnAdminMidAuth: with the handshake slots full of
// idle and banner-only connections, every new one pushes out the least
// advanced (nothing sent, then only a version line), never a client that
// is authenticating. The admin is held mid-authentication (its client asks
// for its keys only once the server has let it start) while three times the
// cap of banner-only and idle connections arrive; it then gets in.
func TestFloodNeverEvictsAnAdminMidAuth(t *testing.T) {
	const max = 8
	f := newFixture(t, func(o *Options) {
		o.Limits = Limits{HandshakeTimeout: time.Minute, MaxUnauthenticated: max, MaxUnauthenticatedPerIP: max}
	})
	reached, proceed := make(chan struct{}), make(chan struct{})
	cfg := f.config(gossh.PublicKeysCallback(func() ([]gossh.Signer, error) {
		close(reached)
		<-proceed
		return []gossh.Signer{f.admin}, nil
	}))
	type dialed struct {
		c   *gossh.Client
		err error
	}
	admin := make(chan dialed, 1)
	go func() {
		c, err := gossh.Dial("tcp", f.addr, cfg)
		admin <- dialed{c, err}
	}()
	select {
	case <-reached:
	case d := <-admin:
		t.Fatalf("the admin's handshake ended before its authentication: %v", d.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the admin never reached its authentication")
	}

	// One at a time, each admitted before the next (the server admits
	// connections on goroutines of their own, in any order).
	var flood []net.Conn
	for i := range 3 * max {
		flood = append(flood, f.bannerOnly())
		f.waitAdmitted(2 + 2*i)
		flood = append(flood, f.rawConn(""))
		f.waitAdmitted(3 + 2*i)
	}
	pending, _, _, _ := f.srv.gate.counts()
	if pending > max {
		t.Fatalf("%d connections in their handshake; the cap is %d", pending, max)
	}

	close(proceed)
	d := <-admin
	if d.err != nil {
		t.Fatalf("the admin, mid-authentication during a flood of idle and banner-only connections, was pushed out: %v", d.err)
	}
	defer d.c.Close()
	sess, err := d.c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("version")
	if err != nil || !strings.Contains(string(out), "ran version") {
		t.Fatalf("the admin's command after the flood: %v %q", err, out)
	}
	f.nextCall()
	if open := count(closedByServer(flood), false); open > max-1 {
		t.Fatalf("%d flood connections are held open beside the admin; the cap is %d", open, max)
	}
}

// TestGatePushesOutTheLeastAdvanced: at the cap, a new connection pushes
// out the oldest of the least advanced pending ones, and never an
// authenticated one.
func TestGatePushesOutTheLeastAdvanced(t *testing.T) {
	g := newGate(Limits{MaxUnauthenticated: 4, MaxUnauthenticatedPerIP: 4}, slog.New(slog.DiscardHandler))
	conn := func() *gatedConn {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return g.admit(a)
	}
	send := func(gc *gatedConn, s string) {
		// what Read sees of the client's bytes
		gc.advance(gc.scan([]byte(s)))
	}
	authed := conn()
	if err := authed.authenticated(engine.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	auth, kex, banner, silent := conn(), conn(), conn(), conn()
	auth.keyExchanged()
	send(kex, "SSH-2.0-x\r\n\x00\x00")
	send(banner, "a line before\r\nSSH-2.0-")
	send(banner, "client\r\n") // the whole version line, in two reads: still only a banner
	closed := func(gc *gatedConn) bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return gc.state == connClosed
	}
	for i, want := range []*gatedConn{silent, banner, kex, auth} {
		newer := conn() // silent, and newer than all: pushes out the least advanced
		if i < 3 {
			send(newer, "SSH-2.0-late\r\n\x00") // newer ones get as far as a key exchange
			newer.keyExchanged()
		}
		if !closed(want) {
			t.Fatalf("step %d: the least advanced connection was not pushed out", i)
		}
	}
	if closed(authed) {
		t.Fatal("an authenticated connection was pushed out")
	}
	if p, a, _, _ := g.counts(); p != 4 || a != 1 {
		t.Fatalf("pending %d, authenticated %d; want 4 and 1", p, a)
	}
}
