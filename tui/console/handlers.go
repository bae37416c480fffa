package console

import (
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui"
)

// The middlewares every session passes through, last to first as wish
// runs them: logSessions, identify (the role, from the key actually used),
// then commands (a CLI command, or a key's forced command=) or the app
// (program).

// identify decides the session's role from the key it authenticated with.
// The auth callback may have seen other keys (offered, not used), so the
// role is never taken from there.
func (s *Server) identify(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		key := sess.PublicKey()
		role, a, ok := s.keys.find(key)
		if !ok || !a.opts.allowsFrom(sess.RemoteAddr()) {
			wish.Fatalln(sess, "permission denied: this key is not in the admin or viewer keys")
			return
		}
		l := s.track(sess, a, role)
		defer s.untrack(l)
		_, _, terminal := sess.Pty()
		id := Identity{Role: role, Fingerprint: Fingerprint(key), Comment: a.comment, User: sess.User(), Remote: sess.RemoteAddr().String(),
			RoleNow: func() engine.Role {
				if s.revoked(l) != "" {
					return engine.RoleNone
				}
				return role
			}, Terminal: terminal}
		sess.Context().SetValue(identityKey{}, id)
		next(sess)
	}
}

func identityOf(sess ssh.Session) Identity {
	id, _ := sess.Context().Value(identityKey{}).(Identity)
	return id
}

// forcedCommand is the key's command= option (nil: none).
func (s *Server) forcedCommand(sess ssh.Session) []string {
	_, a, _ := s.keys.find(sess.PublicKey())
	return a.opts.command
}

// commands runs a CLI command for a session that gives one (with a
// terminal or not: `ssh -t host runs` runs runs, its terminal there for the
// command's output), and for any session of a key with a command= option
// (which runs instead of what the client asked, as with OpenSSH). Only a
// bare shell session with a terminal opens the app.
func (s *Server) commands(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		args := sess.Command()
		forced := s.forcedCommand(sess)
		if forced != nil {
			args = forced
		} else if _, _, isPty := sess.Pty(); isPty && len(args) == 0 {
			next(sess)
			// The app has given the terminal back: say why it ended, if its
			// key was revoked, and end with a failure.
			if l := s.liveOf(sess); l != nil && l.reason() != "" {
				fmt.Fprintln(sess.Stderr(), revokedNote(l.reason()))
				sess.Exit(revokedExit)
			}
			return
		}
		if len(args) == 0 {
			ssh := sshCommandTo(sess)
			if _, a, _ := s.keys.find(sess.PublicKey()); a.opts.noPTY {
				wish.Fatalln(sess, "This is the oktaflow console. Your key may run commands but not open the app (no-pty or restrict in the keys file), e.g.: "+
					ssh+" runs --json ("+ssh+" help lists them)")
				return
			}
			wish.Fatalln(sess, "This is the oktaflow console. Connect with a terminal for the app ("+strings.Replace(ssh, "ssh ", "ssh -t ", 1)+
				"), or run a command, e.g.: "+ssh+" runs --json")
			return
		}
		code := s.run(sess, args)
		if l := s.liveOf(sess); l != nil && l.reason() != "" {
			code = revokedExit // closeSession has sent it already
		}
		s.o.Logger.Info("ssh command finished", "key", identityOf(sess).Fingerprint, "args", strings.Join(args, " "), "forced", forced != nil, "exit", code)
		sess.Exit(code)
	}
}

// sshCommandTo is the OpenSSH command line that reaches this console the
// way the session did (the address it connected to).
func sshCommandTo(sess ssh.Session) string {
	host, port, err := net.SplitHostPort(sess.LocalAddr().String())
	if err != nil {
		return "ssh HOST"
	}
	return "ssh -p " + port + " " + host
}

// run runs one command; a panic in it is this session's failure (exit 1,
// logged), never the server's and never a success.
func (s *Server) run(sess ssh.Session, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			s.o.Logger.Error("panic in an SSH command", "args", strings.Join(args, " "), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprintln(sess.Stderr(), "oktaflow: internal error (see the server's log)")
			code = 1
		}
	}()
	return s.o.Run(sess.Context(), identityOf(sess), args, sess, sess, sess.Stderr())
}

// program builds the session's own Bubble Tea program over the shared engine.
func (s *Server) program(sess ssh.Session) *tea.Program {
	if _, _, isPty := sess.Pty(); !isPty || len(sess.Command()) > 0 {
		return nil
	}
	id := identityOf(sess)
	// The program's session asks the keys before every call, as the
	// commands' do (the session is closed too when its key goes).
	c := &tui.Common{
		Ctx: sess.Context(), Backend: s.o.Engine.Session(id.Who(), id.Role).WithRoleSource(id.CurrentRole),
		Styles: tui.NewStyles(true), Keys: tui.DefaultKeyMap(), HookBase: s.o.HookBase,
	}
	var p *tea.Program
	if sess.EmulatedPty() {
		// The session's own input and output, so that an idle app parks
		// (idle.go): later options win over MakeOptions' WithInput/WithOutput.
		p, _ = parkingProgram(sess.Context(), tui.New(c), sess, sess, parkAfter, bubbletea.MakeOptions(sess)...)
	} else {
		p = tea.NewProgram(tui.New(c), bubbletea.MakeOptions(sess)...)
	}
	if l := s.liveOf(sess); l != nil {
		l.setProgram(p) // so that a revoked key's app can be quit
	}
	return p
}

// logSessions logs each connect and disconnect with who, from where, and
// how long; never a secret.
func (s *Server) logSessions(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		key := sess.PublicKey()
		_, a, _ := s.keys.find(key)
		kind := "app"
		if _, _, isPty := sess.Pty(); !isPty || len(sess.Command()) > 0 {
			kind = "command: " + strings.Join(sess.Command(), " ")
		}
		log := s.o.Logger.With("user", sess.User(), "key", Fingerprint(key), "comment", a.comment, "remote", sess.RemoteAddr().String())
		log.Info("ssh session started", "kind", kind)
		next(sess)
		log.Info("ssh session ended", "duration", time.Since(start).Round(time.Millisecond))
	}
}

// panicLogger adapts slog for the recover middleware.
type panicLogger struct{ l *slog.Logger }

func (p panicLogger) Printf(format string, args ...any) { p.l.Error(fmt.Sprintf(format, args...)) }
