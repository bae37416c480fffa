package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui"
)

// runTUI opens the app with the embedded engine: the engine runs (triggers,
// runs, the webhook listener) while the app is open.
func runTUI(cmd *cobra.Command, g *globals, httpAddr string) error {
	path, err := g.dbPath()
	if err != nil {
		return err
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	// The terminal belongs to the app: the engine logs to a file beside the database.
	logPath := filepath.Join(filepath.Dir(path), "oktaflow.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open the log file: %w", err)
	}
	defer logFile.Close()
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	e, err := engine.New(g.engineOptions(st, logger))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	c := &tui.Common{Ctx: ctx, Backend: e.Session(who(), engine.RoleAdmin), Styles: tui.NewStyles(true),
		Keys: tui.DefaultKeyMap(), EngineStarting: true}
	app := tui.New(c)
	// 120 frames a second: a key shows within ~8 ms of the renderer's next flush
	// (it only writes what changed, and an idle app draws nothing).
	p := tea.NewProgram(app, tea.WithContext(ctx), tea.WithFPS(120))

	// First frame first, engine after: the app opens on what the store
	// holds, then the engine (triggers, runs, the webhook listener) starts
	// and the app is told. started gets Start's result (or that the app
	// closed before its first frame, and the engine never started).
	started := make(chan error, 1)
	closed := make(chan struct{})
	go func() {
		select {
		case <-app.FirstFrame():
		case <-closed:
			started <- errors.New("the app closed before the engine started")
			return
		}
		err := e.Start(ctx)
		if err == nil {
			if lerr := e.Listen(httpAddr); lerr != nil {
				logger.Warn("webhook listener off", "err", lerr)
			}
		}
		started <- err
		p.Send(tui.EngineStartedMsg{Err: err})
	}()
	_, runErr := p.Run()
	close(closed)
	if err := <-started; err == nil {
		stopCtx, done := context.WithTimeout(context.Background(), 30*time.Second)
		defer done()
		if err := e.Stop(stopCtx); err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "oktaflow: stopping:", err)
		}
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrInterrupted) && !errors.Is(runErr, context.Canceled) &&
		!errors.Is(runErr, tea.ErrProgramKilled) {
		return runErr
	}
	return nil
}
