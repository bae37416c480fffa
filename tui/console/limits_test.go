package console

import (
	"errors"
	"io"
	"net"

	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// rawConn opens a TCP connection to the console from the given loopback
// address ("" for the default) and sends nothing: a client that is idle,
// slow, or hostile.
func (f *fixture) rawConn(from string) net.Conn {
	f.t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", f.addr)
	if err != nil {
		f.t.Fatalf("dial from %q: %v", from, err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c
}

// dialFrom authenticates with signer from a loopback address of the test's
// choosing (127.0.0.2, ...).
func (f *fixture) dialFrom(from string, signer gossh.Signer) (*gossh.Client, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	conn, chans, reqs, err := gossh.NewClientConn(c, f.addr, f.config(gossh.PublicKeys(signer)))
	if err != nil {
		c.Close()
		return nil, err
	}
	return gossh.NewClient(conn, chans, reqs), nil
}

// closedByServer reports, for each connection, whether the server has
// closed it: it reads what the server sent (its version line) until EOF,
// or until a pause that shows the connection is still held open.
func closedByServer(conns []net.Conn) []bool {
	out := make([]bool, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			out[i] = !(errors.As(err, &ne) && ne.Timeout())
		})
	}
	wg.Wait()
	return out
}

func count(bs []bool, want bool) int {
	n := 0
	for _, b := range bs {
		if b == want {
			n++
		}
	}
	return n
}

// waitAdmitted waits until the gate has admitted n connections in all.
func (f *fixture) waitAdmitted(n int) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, _, a := f.srv.gate.counts()
		if a >= n {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%d connections admitted, want %d", a, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loopbackAlias skips the test when this machine cannot dial from
// 127.0.0.2 and friends (they are loopback on Linux).
func loopbackAlias(t *testing.T, ip string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Skipf("cannot dial from %s on this machine: %v", ip, err)
	}
	c.Close()
}

func TestHandshakeTimeout(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Limits.HandshakeTimeout = 200 * time.Millisecond })
	c := f.rawConn("")
	// The deadline only ends a hung test: the server must close the
	// connection itself, long before.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a client that never finishes its handshake is held open")
	}
	if _, _, code := f.command(f.admin, "version"); code != 0 {
		t.Fatal("the admin cannot connect after a timed-out client")
	}
	f.nextCall()
}

// TestIdleFloodNeverLocksOutAdmin: many connections that never finish their
// handshake hold at most MaxUnauthenticated slots, and an admin still gets in.
func TestIdleFloodNeverLocksOutAdmin(t *testing.T) {
	const max = 8
	f := newFixture(t, func(o *Options) {
		o.Limits = Limits{HandshakeTimeout: time.Minute, MaxUnauthenticated: max, MaxUnauthenticatedPerIP: max}
	})
	var flood []net.Conn
	for range 40 {
		flood = append(flood, f.rawConn(""))
	}
	f.waitAdmitted(40)
	// The admin connects while the flood goes on.
	stop := make(chan struct{})
	var more sync.WaitGroup
	more.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if c, err := net.Dial("tcp", f.addr); err == nil {
				defer c.Close()
			}
			time.Sleep(time.Millisecond)
		}
	})
	out, _, code := f.command(f.admin, "version")
	close(stop)
	more.Wait()
	if code != 0 || !strings.Contains(out, "ran version") {
		t.Fatalf("the admin during a flood: code %d, %q", code, out)
	}
	f.nextCall()
	closed := closedByServer(flood)
	if open := count(closed, false); open > max {
		t.Fatalf("%d idle connections are held open; the cap is %d", open, max)
	}
	if !strings.Contains(f.log.text(), "too many connections still in their handshake") {
		t.Errorf("the flood is not in the log:\n%s", f.log.text())
	}
}

// TestPerAddressCap: a flood from one address pushes out its own oldest
// connections, not those of other addresses.
func TestPerAddressCap(t *testing.T) {
	loopbackAlias(t, "127.0.0.2")
	loopbackAlias(t, "127.0.0.3")
	f := newFixture(t, func(o *Options) {
		o.Limits = Limits{HandshakeTimeout: time.Minute, MaxUnauthenticated: 16, MaxUnauthenticatedPerIP: 4}
	})
	var others, flood []net.Conn
	for range 3 {
		others = append(others, f.rawConn("127.0.0.3"))
	}
	f.waitAdmitted(3)
	for range 30 {
		flood = append(flood, f.rawConn("127.0.0.2"))
	}
	f.waitAdmitted(3 + 30)
	if n := count(closedByServer(others), true); n != 0 {
		t.Fatalf("a flood from 127.0.0.2 closed %d connections from 127.0.0.3", n)
	}
	if open := count(closedByServer(flood), false); open > 4 {
		t.Fatalf("127.0.0.2 holds %d connections in their handshake; the cap per address is 4", open)
	}
	c, err := f.dialFrom("127.0.0.2", f.admin)
	if err != nil {
		t.Fatalf("the admin from the flooding address: %v", err)
	}
	c.Close()
}

// TestSessionCaps: sessions are capped, viewers cannot take the admins'
// reserve, and one connection cannot multiplex more than its share.
func TestSessionCaps(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Limits = Limits{MaxSessions: 3, AdminReserve: 1, MaxSessionsPerConn: 2}
	})
	// two viewer sessions (the app) fill what viewers may use
	v1 := f.mustDial(f.viewer)
	v2 := f.mustDial(f.viewer)
	for _, c := range []*gossh.Client{v1, v2} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sess.Close() })
	}
	v3 := f.mustDial(f.viewer)
	if _, err := v3.NewSession(); err == nil || !strings.Contains(err.Error(), "resource shortage") {
		t.Fatalf("a viewer's session beyond the cap: %v", err)
	}
	// the admin still gets one
	out, _, code := f.command(f.admin, "version")
	if code != 0 || !strings.Contains(out, "ran version") {
		t.Fatalf("the admin at the viewers' cap: %d %q", code, out)
	}
	f.nextCall()

	// per connection
	g := newFixture(t, func(o *Options) { o.Limits = Limits{MaxSessionsPerConn: 2} })
	c := g.mustDial(g.admin)
	for range 2 {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sess.Close() })
	}
	if _, err := c.NewSession(); err == nil || !strings.Contains(err.Error(), "resource shortage") {
		t.Fatalf("a third session on one connection: %v", err)
	}
}
