package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/storage"
)

// globals are the flags every command shares, and who runs it.
type globals struct {
	db string
	// shared is set when commands run inside `oktaflow serve` (over SSH):
	// they use its open store and running engine instead of the file,
	// which serve holds.
	shared *session
	// identity names the user for the audit log ("" means the local user).
	identity string
	// role is the SSH key's role for commands run over SSH; the local user
	// (shared == nil) is an admin. roleNow, when set, is asked before every
	// call (a key revoked mid-command has its next change refused).
	role    engine.Role
	roleNow func() engine.Role
	// terminal: the SSH session running the command has a terminal, so
	// standard output is someone's screen (see console.Identity.Terminal).
	terminal bool
	// feedsDir and allowPrivate are the trigger source policy (see
	// engine.Options): the same for serve, the app and the CLI.
	feedsDir     string
	allowPrivate bool
	// accessibleFlag asks questions in plain lines (--accessible).
	accessibleFlag bool
}

// engineOptions are the options every engine of this process starts from.
func (g *globals) engineOptions(st *storage.Store, logger *slog.Logger) engine.Options {
	feeds := g.feedsDir
	if feeds == "" {
		feeds = os.Getenv("OKTAFLOW_FEEDS_DIR")
	}
	return engine.Options{Store: st, Logger: logger, FeedsDir: feeds, AllowPrivateAddresses: g.allowPrivate}
}

// allowPrivateEnv is the environment's form of --allow-private-addresses.
const allowPrivateEnv = "OKTAFLOW_ALLOW_PRIVATE_ADDRESSES"

// readEnv applies the settings the environment may give instead of a flag,
// refusing a value it cannot read (rather than reading it as "no").
func (g *globals) readEnv() error {
	if v := strings.TrimSpace(os.Getenv(allowPrivateEnv)); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return &usageError{fmt.Errorf("%s=%s is not a value oktaflow reads: %s=1 allows private addresses; unset (or 0) refuses them", allowPrivateEnv, v, allowPrivateEnv)}
		}
		g.allowPrivate = g.allowPrivate || on
	}
	return nil
}

// sessionRole is the role of whoever runs the command.
func (g *globals) sessionRole() engine.Role {
	if g.shared == nil {
		return engine.RoleAdmin
	}
	return g.role
}

// dbPath resolves --db, then OKTAFLOW_DB, then the XDG default.
func (g *globals) dbPath() (string, error) {
	if g.db != "" {
		return g.db, nil
	}
	if env := os.Getenv("OKTAFLOW_DB"); env != "" {
		return env, nil
	}
	return storage.DefaultPath()
}

// newSession opens the engine session every call of the command goes through.
func (g *globals) newSession(e *engine.Engine) *engine.Session {
	s := e.Session(g.who(), g.sessionRole())
	if g.shared != nil && g.roleNow != nil {
		s = s.WithRoleSource(g.roleNow)
	}
	return s
}

// reader returns a session for a command that only reads: over serve's
// engine when shared, else over the file opened for this command (with an
// engine that starts nothing). done releases it.
func (g *globals) reader() (*engine.Session, func(), error) {
	if g.shared != nil {
		return g.newSession(g.shared.engine), func() {}, nil
	}
	st, err := g.openStore()
	if err != nil {
		return nil, nil, err
	}
	opts := g.engineOptions(st, nil)
	opts.NoTriggers = true
	e, err := engine.New(opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return g.newSession(e), func() { st.Close() }, nil
}

// openStore opens the database for a local command. When a running
// oktaflow holds it, the error says how to do the command through it.
func (g *globals) openStore() (*storage.Store, error) {
	path, err := g.dbPath()
	if err != nil {
		return nil, err
	}
	st, err := storage.Open(path, storage.Options{})
	if errors.Is(err, storage.ErrLocked) {
		return nil, lockedHint(path, err, false)
	}
	return st, err
}

// withReader makes a command body that only reads into a RunE: its
// session is opened (see reader) and released around it.
func (g *globals) withReader(run func(cmd *cobra.Command, args []string, s *engine.Session) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, done, err := g.reader()
		if err != nil {
			return err
		}
		defer done()
		return run(cmd, args, s)
	}
}

// withSession is withStore for bodies that need the engine (running says
// whether its scheduler starts).
func (g *globals) withSession(running bool, run func(cmd *cobra.Command, args []string, s *session) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := g.open(cmd.Context(), running, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		return run(cmd, args, s)
	}
}

// session is an open store with an engine over it, for one command, and
// the engine session every change of the command goes through (it checks
// the role and writes the audit entry).
type session struct {
	store  *storage.Store
	engine *engine.Engine
	sess   *engine.Session
	shared bool // serve's: Close leaves it open
	// focus is the one run this command's engine may start (0: none yet).
	focus atomic.Uint64
}

// Focus lets the command's own engine start run id, and no other.
func (s *session) Focus(id storage.RunID) {
	s.focus.Store(uint64(id))
	s.engine.Wake()
}

// open opens the store and builds an engine; running says whether the
// engine's scheduler starts (for commands that execute runs). Either way the
// sandbox orgs start, so that a command can reach a sandbox account; a
// sandbox that had to be re-seeded or could not start is a warning, not a
// failure. Close ends both (and saves the sandboxes).
func (g *globals) open(ctx context.Context, running bool, logger *slog.Logger) (*session, error) {
	if g.shared != nil {
		e := g.shared.engine
		return &session{store: g.shared.store, engine: e, sess: g.newSession(e), shared: true}, nil
	}
	st, err := g.openStore()
	if err != nil {
		return nil, err
	}
	s := &session{store: st}
	// A one-shot command runs only the run it is about (see Focus), never
	// the rest of the queue: that is serve's (or the app's) job.
	opts := g.engineOptions(st, logger)
	opts.NoTriggers = true
	opts.Dispatch = func(id storage.RunID) bool { return uint64(id) == s.focus.Load() }
	e, err := engine.New(opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	s.engine, s.sess = e, g.newSession(e)
	if running {
		if err := e.Start(ctx); err != nil { // starts the sandboxes too
			st.Close()
			return nil, err
		}
	} else if err := e.StartSandboxes(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	return s, nil
}

func (s *session) Close() error {
	if s.shared {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return errors.Join(s.engine.Stop(ctx), s.store.Close())
}

// who names the user for the audit log: the SSH identity inside serve,
// else the local user.
func (g *globals) who() string {
	if g.identity != "" {
		return g.identity
	}
	return who()
}

// who names the local user.
func who() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "local:" + u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return "local:" + n
	}
	return "local"
}

// audited passes a change's error on, except that a change made whose
// audit entry could not be written is reported as a warning (the change
// stands, and repeating the command would repeat it).
func audited(cmd *cobra.Command, err error) error {
	if errors.Is(err, engine.ErrAuditFailed) {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", err)
		return nil
	}
	return err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// ago renders a time for a table: "3m ago", "2026-11-30 10:42".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Local().Format("15:04:05")
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.Local().Format("2006-01-02 15:04")
}

// maxInput bounds what a command reads from standard input or a file (a
// document, an event, a key).
const maxInput = 16 << 20

// readInput reads a file named on the command line ("-": standard input).
// Over SSH only "-" is accepted: the server never opens a path the client
// names (checkRemotePaths refuses it earlier with a hint; this is the
// backstop for any command that forgets to mark its file).
func (g *globals) readInput(cmd *cobra.Command, path, what string) ([]byte, error) {
	var r io.Reader
	switch {
	case path == "-":
		r = cmd.InOrStdin()
	case g.shared != nil:
		return nil, fmt.Errorf("%s: over SSH the server never opens a file you name; send the %s on standard input with -", path, what)
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read the %s: %w", what, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read the %s: %w", what, err)
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("the %s in %s is over %d MiB; oktaflow reads at most that", what, path, maxInput>>20)
	}
	return data, nil
}

// readEvent reads a JSON object from a file ("-" for stdin).
func (g *globals) readEvent(cmd *cobra.Command, path string) (map[string]any, error) {
	data, err := g.readInput(cmd, path, "event")
	if err != nil {
		return nil, err
	}
	ev, err := mapping.DecodeJSONObject(data) // numbers exact: a large id is never rounded
	if err != nil {
		return nil, fmt.Errorf("the event in %s must be one JSON object: %v", path, err)
	}
	return ev, nil
}

// waitRun waits until a run is final (or ctx ends), printing each state
// change once.
func waitRun(ctx context.Context, cmd *cobra.Command, s *engine.Session, events <-chan engine.Event, id storage.RunID) (storage.Run, error) {
	last := storage.RunState("")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		r, err := s.Run(id)
		if err != nil {
			return r, err
		}
		if r.State != last {
			line := fmt.Sprintf("run %d: %s", r.ID, r.State)
			if r.State == storage.RunWaiting || r.State == storage.RunRetrying {
				line += " until " + r.NextDue.Local().Format("15:04:05")
				if r.Error != nil {
					line += ": " + r.Error.Message
				}
			}
			fmt.Fprintln(cmd.ErrOrStderr(), line)
			last = r.State
		}
		if r.State.Final() {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("stopped waiting; run %d is %s and resumes when oktaflow runs again", r.ID, r.State)
		case <-events:
		case <-tick.C:
		}
	}
}
