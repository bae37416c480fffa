package console

import (
	"fmt"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
)

// liveSession is an open session, kept so that revoking its key closes it.
type liveSession struct {
	sess ssh.Session
	key  authorizedKey // the keys file line it was opened under
	role engine.Role
	pty  bool
	done chan struct{} // closed when the session's handler returns

	mu      sync.Mutex
	program *tea.Program // the app, for a session with a terminal
	why     string       // why its key no longer allows it ("" while it does)
}

func (l *liveSession) setProgram(p *tea.Program) {
	l.mu.Lock()
	l.program = p
	l.mu.Unlock()
}

func (l *liveSession) reason() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.why
}

const revokedNote = "oktaflow: your SSH key is no longer allowed here; closing the session"

// track registers a session opened under a keys file line.
func (s *Server) track(sess ssh.Session, key authorizedKey, role engine.Role) *liveSession {
	_, _, isPty := sess.Pty()
	l := &liveSession{sess: sess, key: key, role: role, pty: isPty, done: make(chan struct{})}
	s.mu.Lock()
	s.live[sess] = l
	s.mu.Unlock()
	return l
}

func (s *Server) untrack(l *liveSession) {
	s.mu.Lock()
	delete(s.live, l.sess)
	s.mu.Unlock()
	close(l.done)
}

func (s *Server) liveOf(sess ssh.Session) *liveSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live[sess]
}

// closeRevoked closes every session whose key is gone, expired, changed
// role or options, or no longer allowed from its address. The session is
// closed rather than left open with its next change refused: an open app
// would otherwise go on showing data its user may no longer see.
func (s *Server) closeRevoked() {
	s.mu.Lock()
	var gone []*liveSession
	for _, l := range s.live {
		why := s.revoked(l)
		if why == "" {
			continue
		}
		l.mu.Lock()
		first := l.why == ""
		l.why = why
		l.mu.Unlock()
		if first {
			gone = append(gone, l)
			s.o.Logger.Warn("closing an SSH session: its key is no longer allowed", "key", Fingerprint(l.key.key),
				"comment", l.key.comment, "remote", l.sess.RemoteAddr().String(), "reason", why)
		}
	}
	s.mu.Unlock()
	for _, l := range gone {
		go s.closeSession(l)
	}
}

// closeSession ends a session whose key was revoked. The app is quit first,
// so that it gives the terminal back (alternate screen off) and the user
// reads why; a command is told on its error stream. Then the connection is
// closed, whatever the client does.
func (s *Server) closeSession(l *liveSession) {
	l.mu.Lock()
	p := l.program
	l.mu.Unlock()
	if p != nil {
		p.Quit()
		select {
		case <-l.done:
			// The session ended as sessions do; give the client a moment to
			// read its last output and hang up itself.
			select {
			case <-l.sess.Context().Done():
			case <-time.After(2 * time.Second):
			}
		case <-time.After(2 * time.Second):
		}
	} else {
		fmt.Fprintln(l.sess.Stderr(), revokedNote)
	}
	if conn, ok := l.sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
		conn.Close()
	} else {
		l.sess.Close()
	}
}

// revoked says why a session's key no longer allows it ("" when it does).
func (s *Server) revoked(l *liveSession) string {
	role, a, ok := s.keys.find(l.key.key)
	switch {
	case !ok:
		return "removed from the keys files, or expired"
	case role != l.role:
		return "its role changed to " + role.String()
	case !a.opts.allowsFrom(l.sess.RemoteAddr()):
		return "its from= option no longer allows this address"
	case !slices.Equal(a.opts.command, l.key.opts.command):
		return "its command= option changed"
	case a.opts.noPTY && l.pty:
		return "it may no longer open a terminal"
	}
	return ""
}
