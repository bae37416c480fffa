package main

import (
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
	grace                          time.Duration
}

func newServeCmd(g *globals) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the engine, the webhook listener and the SSH admin console until interrupted",
		Long: "Runs every integration that is ON: polls triggers, accepts webhooks, executes runs.\n" +
			"With admin keys (--admin-keys FILE, or an admin_keys file beside the database) it also\n" +
			"serves the app over SSH: ssh -p 23234 host for the app, ssh -p 23234 host runs --json for\n" +
			"a command. SIGHUP re-reads the keys files. SIGINT/SIGTERM stop it gracefully: SSH first,\n" +
			"then the engine (running steps get --grace to finish; a step cut off resumes at the\n" +
			"next start), then the database.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd, g, f) },
	}
	cmd.Flags().StringVar(&f.httpAddr, "http-addr", "127.0.0.1:8780", "address of the webhook/health/metrics listener")
	cmd.Flags().StringVar(&f.sshAddr, "ssh-addr", "127.0.0.1:23234", "address of the SSH console (loopback unless you ask)")
	cmd.Flags().StringVar(&f.adminKeys, "admin-keys", "", "authorized_keys file of admins (default: admin_keys beside the database, when present)")
	cmd.Flags().StringVar(&f.viewerKeys, "viewer-keys", "", "authorized_keys file of read-only viewers (default: viewer_keys beside the database, when present)")
	cmd.Flags().StringVar(&f.hostKey, "host-key", "", "SSH host key (default: ssh_host_ed25519 beside the database, created when absent)")
	cmd.Flags().DurationVar(&f.grace, "grace", 30*time.Second, "how long running steps may take to finish on shutdown")
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
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := engine.New(g.engineOptions(st, logger))
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
	hookBase := ""
	if err := e.Listen(f.httpAddr); err != nil {
		logger.Error("the webhook listener is off; webhooks will not be received", "err", err)
	} else {
		addr, _ := e.ListenStatus()
		hookBase = "http://" + addr
		logger.Info("listening", "webhooks", hookBase+"/hooks/{integration-id}", "health", hookBase+"/healthz", "metrics", hookBase+"/metrics")
	}

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
		logger.Info("SSH console", "addr", ln.Addr().String(), "host_key_fingerprint", ssh.Fingerprint(), "admins", admins, "viewers", viewers)
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
	logger.Info("oktaflow serve running", "db", st.Path())
	<-cmd.Context().Done()

	// Shut down in order: SSH sessions, then the engine, then (deferred) the store.
	logger.Info("stopping: SSH console, then running steps", "grace", f.grace)
	if ssh != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := ssh.Shutdown(ctx); err != nil {
			logger.Warn("SSH shutdown", "err", err)
		}
		cancel()
	}
	if err := stopEngine(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	logger.Info("stopped")
	return nil
}
