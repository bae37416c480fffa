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

// revokedNote is what a session closed for its key is told on its error
// stream: "oktaflow: access revoked: <why>; …".
func revokedNote(why string) string {
	return "oktaflow: access revoked: " + why + "; this session is closed"
}

// revokedExit is the exit status of a session closed for its key: never a
// success, whatever the app or the command was doing.
const revokedExit = 1

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
// reads why (commands writes it, and exits 1); a command is told on its
// error stream and ends with exit status 1. Then the connection is closed,
// whatever the client does.
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
		fmt.Fprintln(l.sess.Stderr(), revokedNote(l.reason()))
		// The command may still be running: its own exit status, sent
		// later, is then refused (a session exits once).
		_ = l.sess.Exit(revokedExit)
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
		return "this SSH key was removed from the keys files, or has expired"
	case role != l.role:
		return "this SSH key's role changed to " + role.String() + "; connect again"
	case !a.opts.allowsFrom(l.sess.RemoteAddr()):
		return "this SSH key's from= option no longer allows this address"
	case !slices.Equal(a.opts.command, l.key.opts.command):
		return "this SSH key's command= option changed; connect again"
	case a.opts.noPTY && l.pty:
		return "this SSH key may no longer open a terminal"
	}
	return ""
}
