package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui/console"
)

type serveFlags struct {
	httpAddr, sshAddr              string
	adminKeys, viewerKeys, hostKey string
	tlsCert, tlsKey, opsAddr       string
	httpMaxConns                   int
	ssh                            console.Limits
	grace, closeTimeout            time.Duration
}

func newServeCmd(g *globals) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the engine, the webhook listener and the SSH admin console until interrupted",
		Long: "Runs every integration that is ON: polls triggers, accepts webhooks, executes runs.\n" +
			"With admin keys (--admin-keys FILE, or an admin_keys file beside the database) it also\n" +
			"serves the app over SSH: ssh -p 23234 host for the app, ssh -p 23234 host runs --json for\n" +
			"a command, ssh -p 23234 host backup - > FILE for a backup. The keys files are re-read when they\n" +
			"change (and on SIGHUP); a key taken out of them closes its open sessions. With --tls-cert and\n" +
			"--tls-key the webhook listener serves HTTPS only, and re-reads the pair when it changes.\n" +
			"SIGINT/SIGTERM stop it gracefully: SSH first, then the engine (running steps get --grace to\n" +
			"finish; a step cut off resumes at the next start), then the database (--close-timeout to commit\n" +
			"what is queued). Each stage is bounded: after a storage fault serve still exits, non-zero, saying\n" +
			"what failed.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.httpAddr, "http-addr", defaultHTTPAddr, "address of the webhook/health/metrics listener")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS on --http-addr (with --tls-key; re-read when it changes)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	fl.IntVar(&f.httpMaxConns, "http-max-conns", engine.DefaultMaxConns, "connections the webhook listener holds open at once")
	fl.StringVar(&f.opsAddr, "ops-addr", "", "serve /healthz in full and /metrics on this address only (e.g. 127.0.0.1:8081); --http-addr then keeps the webhooks and a bare /healthz")
	fl.StringVar(&f.sshAddr, "ssh-addr", "127.0.0.1:23234", "address of the SSH console (loopback unless you ask)")
	fl.StringVar(&f.adminKeys, "admin-keys", "", "authorized_keys file of admins (default: admin_keys beside the database, when present)")
	fl.StringVar(&f.viewerKeys, "viewer-keys", "", "authorized_keys file of read-only viewers (default: viewer_keys beside the database, when present)")
	fl.StringVar(&f.hostKey, "host-key", "", "SSH host key (default: ssh_host_ed25519 beside the database, created when absent)")
	fl.DurationVar(&f.ssh.HandshakeTimeout, "ssh-handshake-timeout", console.DefaultHandshakeTimeout, "time an SSH client has from connecting to being authenticated")
	fl.IntVar(&f.ssh.MaxUnauthenticated, "ssh-max-unauthenticated", console.DefaultMaxUnauthenticated, "SSH connections still in their handshake, from all addresses (beyond it the least advanced is closed: idle, then banner-only)")
	fl.IntVar(&f.ssh.MaxUnauthenticatedPerIP, "ssh-max-unauthenticated-per-ip", console.DefaultMaxUnauthenticatedPerIP, "SSH connections still in their handshake from one address")
	fl.IntVar(&f.ssh.MaxSessions, "ssh-max-sessions", console.DefaultMaxSessions, "SSH sessions (the app or a command) open at once")
	fl.IntVar(&f.ssh.AdminReserve, "ssh-admin-reserve", console.DefaultAdminReserve, "SSH connections and sessions kept free for admins (viewers are refused beyond the rest)")
	fl.DurationVar(&f.grace, "grace", 30*time.Second, "how long running steps may take to finish on shutdown")
	fl.DurationVar(&f.closeTimeout, "close-timeout", 10*time.Second, "how long shutdown waits for the database to close; beyond it serve exits without (the file keeps what was last committed)")
	return cmd
}

// beside returns path if set, else the named file beside the database when
// it exists (or always, for files serve creates itself).
func beside(dbPath, path, name string, mustExist bool) string {
	if path != "" {
		return path
	}
	p := filepath.Join(filepath.Dir(dbPath), name)
	if _, err := os.Stat(p); mustExist && errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	return p
}

func serve(cmd *cobra.Command, g *globals, f serveFlags) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	dbPath, err := g.dbPath()
	if err != nil {
		return err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return &usageError{errors.New("--tls-cert and --tls-key go together: give both PEM files, or neither")}
	}
	if f.closeTimeout <= 0 {
		return &usageError{fmt.Errorf("--close-timeout %s: give how long shutdown may wait for the database to close, e.g. 10s", f.closeTimeout)}
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	closed := false // the shutdown closes it within its bound
	defer func() {
		if !closed {
			st.Close()
		}
	}()
	opts := g.engineOptions(st, logger)
	if opts.FeedsDir != "" {
		if fi, err := os.Stat(opts.FeedsDir); err != nil || !fi.IsDir() {
			return fmt.Errorf("the feeds folder %s is not a folder (%v); create it, or give another with --feeds-dir", opts.FeedsDir, err)
		}
	}
	e, err := engine.New(opts)
	if err != nil {
		return err
	}
	if err := e.Start(cmd.Context()); err != nil {
		return err
	}
	stopEngine := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), f.grace)
		defer cancel()
		return e.Stop(ctx)
	}
	state := serveState{PID: os.Getpid(), Started: time.Now().UTC()}
	listen := engine.ListenOptions{TLSCert: f.tlsCert, TLSKey: f.tlsKey, MaxConns: f.httpMaxConns, OpsAddr: f.opsAddr}
	if err := e.ListenWith(f.httpAddr, listen); err != nil {
		// Without its listener serve would answer no webhook, /healthz or
		// /metrics, with one log line to say so: it stops instead.
		stopEngine()
		return listenError(f.httpAddr, err)
	}
	info := e.ListenInfo()
	hookBase := info.URL
	state.HTTP = hookBase
	ops := cmp.Or(info.OpsURL, hookBase)
	logger.Info("listening", "webhooks", hookBase+"/hooks/{integration-id}", "health", ops+"/healthz", "metrics", ops+"/metrics", "tls", info.TLS)
	logger.Info("trigger sources", "feeds_dir", e.FeedsDir(), "allow_private_addresses", opts.AllowPrivateAddresses)

	var ssh *console.Server
	adminKeys := beside(dbPath, f.adminKeys, "admin_keys", true)
	if adminKeys == "" {
		logger.Info("the SSH console is off: give admins' public keys with --admin-keys FILE (authorized_keys lines), or put them in " +
			filepath.Join(filepath.Dir(dbPath), "admin_keys"))
	} else {
		ssh, err = console.New(console.Options{
			Addr: f.sshAddr, HostKeyPath: beside(dbPath, f.hostKey, "ssh_host_ed25519", false),
			AdminKeys: adminKeys, ViewerKeys: beside(dbPath, f.viewerKeys, "viewer_keys", true),
			Engine: e, HookBase: hookBase, Run: remoteRunner(&session{store: st, engine: e}), Logger: logger,
			Limits: f.ssh,
		})
		if err != nil {
			stopEngine()
			return fmt.Errorf("SSH console: %w", err)
		}
		ln, err := ssh.Listen()
		if err != nil {
			stopEngine()
			return err
		}
		admins, viewers := ssh.KeyCounts()
		l := ssh.Limits()
		state.SSH, state.HostKey = ln.Addr().String(), ssh.Fingerprint()
		logger.Info("SSH console", "addr", ln.Addr().String(), "host_key_fingerprint", ssh.Fingerprint(), "admins", admins, "viewers", viewers,
			"handshake_timeout", l.HandshakeTimeout, "max_unauthenticated", l.MaxUnauthenticated, "per_ip", l.MaxUnauthenticatedPerIP,
			"max_sessions", l.MaxSessions, "admin_reserve", l.AdminReserve)
		go func() {
			if err := ssh.Serve(cmd.Context(), ln); err != nil {
				logger.Error("the SSH console stopped", "err", err)
			}
		}()
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go func() {
			for range hup {
				ssh.ReloadKeys()
			}
		}()
	}
	if err := writeServeState(dbPath, state); err != nil {
		logger.Warn("could not record serve's addresses beside the database (other commands' hints will name the defaults)", "err", err)
	}
	logger.Info("oktaflow serve running", "db", st.Path())
	<-cmd.Context().Done()

	// Shut down in order: SSH sessions, then the engine, then the store,
	// each within a bound. After a memory fault the store answers at once
	// (it latches the fault: storage.Store.Damaged); a write that never
	// returns (a disk that stopped answering) can still wait for good, and
	// whatever waits on it with it: serve then exits without it, which
	// leaves the file as of its last commit (bbolt never overwrites a
	// committed page), and says so.
	logger.Info("stopping: SSH console, then running steps", "grace", f.grace)
	if ssh != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := ssh.Shutdown(ctx); err != nil {
			logger.Warn("SSH shutdown", "err", err)
		}
		cancel()
	}
	var errs []error
	stopErr := within(f.grace+stopSlack, stopEngine)
	if sh := e.StoreHealth(); sh.Failing {
		errs = append(errs, fmt.Errorf("database writes were failing since %s: %s; runs cut off by it resume at the next start",
			sh.Since.Local().Format(time.DateTime), sh.LastError))
	}
	if errors.Is(stopErr, errStuck) {
		errs = append(errs, fmt.Errorf("the engine did not stop within %s (--grace and %s more): something waits on the database", f.grace+stopSlack, stopSlack))
	} else if stopErr != nil {
		errs = append(errs, fmt.Errorf("stop: %w", stopErr))
	}
	closed = true
	if err := within(f.closeTimeout, st.Close); errors.Is(err, errStuck) {
		errs = append(errs, fmt.Errorf("the database %s did not close within %s (--close-timeout): a read or write of it is stuck, as after a fault; "+
			"exiting without: the file keeps what was last committed, and the next start refuses it if it is damaged (then restore a backup)", st.Path(), f.closeTimeout))
	} else if err != nil {
		errs = append(errs, fmt.Errorf("close the database: %w", err))
	}
	if len(errs) > 0 {
		logger.Error("stopped with errors", "err", errors.Join(errs...))
		return errors.Join(errs...)
	}
	logger.Info("stopped")
	return nil
}

// listenError says why serve cannot listen on addr and what to do.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen for webhooks on %s: another process holds it (the app, or another oktaflow serve?); stop it, or give serve another --http-addr: %w", addr, err)
	}
	return fmt.Errorf("cannot listen for webhooks on %s (check --http-addr and, with HTTPS, --tls-cert/--tls-key): %w", addr, err)
}

// stopSlack is how long past --grace the engine may take to stop (its
// listener, pollers and sandboxes; its scheduler alone waits up to 5 s
// for runs it cancelled) before serve gives up on it.
const stopSlack = 10 * time.Second

// errStuck: a shutdown stage did not finish within its bound.
var errStuck = errors.New("did not finish in time")

// within runs f and returns its error, or errStuck once d has passed (f
// then goes on, on its own goroutine, until the process exits).
func within(d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return errStuck
	}
}
