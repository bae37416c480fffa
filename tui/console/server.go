package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	wishrecover "charm.land/wish/v2/recover"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui"
)

// Identity is who a session is: their role and how the audit log names them.
type Identity struct {
	Role        tui.Role
	Fingerprint string // SHA256:… of the key the session authenticated with
	Comment     string // the key's comment in the keys file
	User        string // the SSH user name (informational only)
	Remote      string
}

// Who is the audit log's name for the identity: "ssh:SHA256:… comment".
func (id Identity) Who() string {
	s := "ssh:" + id.Fingerprint
	if id.Comment != "" {
		s += " " + id.Comment
	}
	return s
}

// RunCommand runs one CLI command for a session without a terminal and
// returns its exit code.
type RunCommand func(ctx context.Context, id Identity, args []string, in io.Reader, out, errOut io.Writer) int

// Options configure the console.
type Options struct {
	Addr        string // 127.0.0.1:23234
	HostKeyPath string // created (ed25519, 0600) when absent
	AdminKeys   string // authorized_keys file of admins (required)
	ViewerKeys  string // optional authorized_keys file of viewers
	Engine      *engine.Engine
	HookBase    string // the webhook listener's base URL, for the screens
	Run         RunCommand
	Logger      *slog.Logger
	IdleTimeout time.Duration // default 30 min
	MaxTimeout  time.Duration // default 12 h
}

// Server is the SSH console.
type Server struct {
	o           Options
	ssh         *ssh.Server
	keys        *keyring
	fingerprint string
}

type identityKey struct{}

// New checks the options, loads the keys and the host key, and builds the
// server (not yet listening).
func New(o Options) (*Server, error) {
	if o.AdminKeys == "" {
		return nil, errors.New("the SSH console needs an admin keys file (authorized_keys lines)")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.MaxTimeout == 0 {
		o.MaxTimeout = 12 * time.Hour
	}
	keys, err := newKeyring(o.AdminKeys, o.ViewerKeys)
	if err != nil {
		return nil, err
	}
	fp, err := ensureHostKey(o.HostKeyPath)
	if err != nil {
		return nil, err
	}
	if o.Engine == nil || o.Run == nil {
		return nil, errors.New("the SSH console needs the engine and a command runner")
	}
	s := &Server{o: o, keys: keys, fingerprint: fp}
	s.ssh, err = wish.NewServer(
		wish.WithAddress(o.Addr),
		wish.WithHostKeyPath(o.HostKeyPath),
		// Only public keys: no password or keyboard-interactive handler is set.
		wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			_, _, ok := s.keys.role(key)
			if !ok {
				o.Logger.Info("ssh key refused", "user", ctx.User(), "key", Fingerprint(key), "remote", ctx.RemoteAddr().String())
			}
			return ok
		}),
		wish.WithIdleTimeout(o.IdleTimeout),
		wish.WithMaxTimeout(o.MaxTimeout),
		wish.WithMiddleware(
			// The last middleware runs first: log → identify → command or app.
			wishrecover.MiddlewareWithLogger(panicLogger{o.Logger},
				bubbletea.MiddlewareWithProgramHandler(s.program),
				s.commands,
			),
			s.identify,
			s.logSessions,
		),
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Fingerprint is the host key's fingerprint.
func (s *Server) Fingerprint() string { return s.fingerprint }

// KeyCounts says how many admin and viewer keys are loaded.
func (s *Server) KeyCounts() (admins, viewers int) { return s.keys.counts() }

// ReloadKeys re-reads the keys files (on SIGHUP, or when they change).
func (s *Server) ReloadKeys() error {
	err := s.keys.reload()
	a, v := s.keys.counts()
	s.o.Logger.Info("reloaded SSH keys", "admins", a, "viewers", v, "err", err)
	return err
}

// Serve accepts sessions on ln until Shutdown; it also re-reads the keys
// files when they change.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	go s.watchKeys(ctx)
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Listen opens the configured address, so that a busy port fails start-up.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.o.Addr)
	if err != nil {
		return nil, fmt.Errorf("SSH console on %s: %w", s.o.Addr, err)
	}
	return ln, nil
}

// ListenAndServe listens on the configured address and serves.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Shutdown stops accepting sessions and ends the open ones.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.ssh.Shutdown(ctx)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return s.ssh.Close()
	}
	return err
}

func (s *Server) watchKeys(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.keys.changed() {
				s.ReloadKeys()
			}
		}
	}
}

// identify decides the session's role from the key it authenticated with.
// The auth callback may have seen other keys (offered, not used), so the
// role is never taken from there.
func (s *Server) identify(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		key := sess.PublicKey()
		role, comment, ok := s.keys.role(key)
		if !ok {
			wish.Fatalln(sess, "permission denied: this key is not in the admin or viewer keys")
			return
		}
		id := Identity{Role: role, Fingerprint: Fingerprint(key), Comment: comment, User: sess.User(), Remote: sess.RemoteAddr().String()}
		sess.Context().SetValue(identityKey{}, id)
		next(sess)
	}
}

func identityOf(sess ssh.Session) Identity {
	id, _ := sess.Context().Value(identityKey{}).(Identity)
	return id
}

// commands runs a CLI command for a session without a terminal.
func (s *Server) commands(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, isPty := sess.Pty(); isPty {
			next(sess)
			return
		}
		args := sess.Command()
		if len(args) == 0 {
			wish.Fatalln(sess, "This is the oktaflow console. Connect with a terminal for the app (ssh -t), or run a command, e.g.: ssh -p PORT host runs --json")
			return
		}
		code := s.run(sess, args)
		s.o.Logger.Info("ssh command finished", "key", identityOf(sess).Fingerprint, "args", strings.Join(args, " "), "exit", code)
		sess.Exit(code)
	}
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
	if _, _, isPty := sess.Pty(); !isPty {
		return nil
	}
	id := identityOf(sess)
	c := &tui.Common{
		Ctx: sess.Context(), Backend: s.o.Engine.Session(id.Who(), id.Role), Styles: tui.NewStyles(true), Keys: tui.DefaultKeyMap(),
		HookBase: s.o.HookBase,
	}
	return tea.NewProgram(tui.New(c), bubbletea.MakeOptions(sess)...)
}

// logSessions logs each connect and disconnect with who, from where, and
// how long; never a secret.
func (s *Server) logSessions(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		key := sess.PublicKey()
		_, comment, _ := s.keys.role(key)
		kind := "app"
		if _, _, isPty := sess.Pty(); !isPty {
			kind = "command: " + strings.Join(sess.Command(), " ")
		}
		log := s.o.Logger.With("user", sess.User(), "key", Fingerprint(key), "comment", comment, "remote", sess.RemoteAddr().String())
		log.Info("ssh session started", "kind", kind)
		next(sess)
		log.Info("ssh session ended", "duration", time.Since(start).Round(time.Millisecond))
	}
}

// panicLogger adapts slog for the recover middleware.
type panicLogger struct{ l *slog.Logger }

func (p panicLogger) Printf(format string, args ...any) { p.l.Error(fmt.Sprintf(format, args...)) }
