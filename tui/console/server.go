package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	wishrecover "charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
)

// Identity is who a session is: their role and how the audit log names them.
type Identity struct {
	Role        engine.Role
	Fingerprint string // SHA256:… of the key the session authenticated with
	Comment     string // the key's comment in the keys file
	User        string // the SSH user name (informational only)
	Remote      string
	// RoleNow is the key's role at this moment: RoleNone once the key is
	// revoked (removed from its file, or expired), never more than Role.
	// Commands check it before every change (engine.Session.WithRoleSource).
	RoleNow func() engine.Role
	// Terminal: the session has a terminal (a PTY), so what a command writes
	// to standard output lands on the user's screen (a key's forced
	// command= run by a client that asked for a terminal).
	Terminal bool
}

// Who is the audit log's name for the identity: "ssh:SHA256:… comment".
func (id Identity) Who() string {
	s := "ssh:" + id.Fingerprint
	if id.Comment != "" {
		s += " " + id.Comment
	}
	return s
}

// CurrentRole is RoleNow, or Role when the identity has no role source.
func (id Identity) CurrentRole() engine.Role {
	if id.RoleNow == nil {
		return id.Role
	}
	return id.RoleNow()
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
	Limits      Limits
	// Now is the clock for key expiry (default time.Now).
	Now func() time.Time
}

// Server is the SSH console.
type Server struct {
	o           Options
	ssh         *ssh.Server
	keys        *keyring
	gate        *gate
	fingerprint string

	mu   sync.Mutex
	live map[ssh.Session]*liveSession
}

type identityKey struct{}
type gateKey struct{}

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
	if o.Now == nil {
		o.Now = time.Now
	}
	keys, err := newKeyring(o.AdminKeys, o.ViewerKeys, o.Now)
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
	s := &Server{o: o, keys: keys, gate: newGate(o.Limits, o.Logger), fingerprint: fp, live: map[ssh.Session]*liveSession{}}
	s.ssh, err = wish.NewServer(
		wish.WithAddress(o.Addr),
		wish.WithHostKeyPath(o.HostKeyPath),
		// Only public keys: no password or keyboard-interactive handler is set.
		wish.WithPublicKeyAuth(s.offered),
		wish.WithIdleTimeout(o.IdleTimeout),
		wish.WithMaxTimeout(o.MaxTimeout),
		s.withLimits,
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

// withLimits wires the gate and the key options into the SSH server: every
// connection is counted from its first byte, authentication ends with a
// check of the verified key, sessions are counted, and a key's no-pty
// refuses a terminal.
func (s *Server) withLimits(srv *ssh.Server) error {
	srv.HandshakeTimeout = s.gate.l.HandshakeTimeout
	srv.ConnCallback = func(ctx ssh.Context, c net.Conn) net.Conn {
		gc := s.gate.admit(c)
		ctx.SetValue(gateKey{}, gc)
		return gc
	}
	srv.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{
			// Called once the key exchange is done, before the first
			// authentication request: the connection is then among the
			// last to be pushed out of the handshake slots.
			PreAuthConnCallback: func(gossh.ServerPreAuthConn) {
				if gc, _ := ctx.Value(gateKey{}).(*gatedConn); gc != nil {
					gc.keyExchanged()
				}
			},
			VerifiedPublicKeyCallback: func(meta gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
				role, a, ok := s.keys.find(key)
				if !ok || !a.opts.allowsFrom(meta.RemoteAddr()) {
					return nil, ssh.ErrPermissionDenied
				}
				gc, _ := ctx.Value(gateKey{}).(*gatedConn)
				if gc == nil {
					return nil, errors.New("connection not counted")
				}
				if err := gc.authenticated(role); err != nil {
					s.o.Logger.Warn("SSH connection refused at the cap", "key", Fingerprint(key), "remote", meta.RemoteAddr().String(), "err", err)
					return nil, err
				}
				return perms, nil
			},
		}
	}
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{
		"session": func(srv *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, ctx ssh.Context) {
			gc, _ := ctx.Value(gateKey{}).(*gatedConn)
			if gc == nil {
				ch.Reject(gossh.Prohibited, "connection not counted")
				return
			}
			if err := gc.openSession(); err != nil {
				s.o.Logger.Warn("SSH session refused at the cap", "remote", conn.RemoteAddr().String(), "err", err)
				ch.Reject(gossh.ResourceShortage, err.Error())
				return
			}
			defer gc.closeSession()
			ssh.DefaultSessionHandler(srv, conn, ch, ctx)
		},
	}
	srv.PtyCallback = func(ctx ssh.Context, _ ssh.Pty) bool {
		key, _ := ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey)
		_, a, ok := s.keys.find(key)
		return ok && !a.opts.noPTY
	}
	return nil
}

// offered answers whether a key may try to authenticate: it is listed, not
// expired, and the client's address passes its from= option.
func (s *Server) offered(ctx ssh.Context, key ssh.PublicKey) bool {
	_, a, ok := s.keys.find(key)
	if ok && !a.opts.allowsFrom(ctx.RemoteAddr()) {
		s.o.Logger.Info("ssh key refused from this address (from= option)", "key", Fingerprint(key), "remote", ctx.RemoteAddr().String())
		return false
	}
	if !ok {
		s.o.Logger.Info("ssh key refused", "user", ctx.User(), "key", Fingerprint(key), "remote", ctx.RemoteAddr().String())
		return false
	}
	if a.opts.noTouch {
		perms := ctx.Permissions()
		if perms.Extensions == nil {
			perms.Extensions = map[string]string{}
		}
		perms.Extensions["no-touch-required"] = ""
	}
	return true
}

// Fingerprint is the host key's fingerprint.
func (s *Server) Fingerprint() string { return s.fingerprint }

// KeyCounts says how many admin and viewer keys are loaded.
func (s *Server) KeyCounts() (admins, viewers int) { return s.keys.counts() }

// Limits are the limits in force (the defaults filled in).
func (s *Server) Limits() Limits { return s.gate.l }

// ReloadKeys re-reads the keys files (on SIGHUP, or when they change) and
// closes the sessions whose key is no longer allowed as it was. A file that
// does not parse is logged at ERROR with its line, and keeps no key it no
// longer lists (see keyring).
func (s *Server) ReloadKeys() error {
	err := s.keys.reload()
	a, v := s.keys.counts()
	if err != nil {
		s.o.Logger.Error("SSH keys file has lines that were refused; only keys loaded before and still listed on a good line stay in force",
			"err", err, "admins", a, "viewers", v)
	} else {
		s.o.Logger.Info("reloaded SSH keys", "admins", a, "viewers", v)
	}
	s.closeRevoked()
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

// watchKeys reloads the keys files when they change and closes the
// sessions of keys that expired. It wakes every 2 s, for the whole server
// (never per session): a stat of two files.
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
			} else {
				s.closeRevoked()
			}
		}
	}
}
