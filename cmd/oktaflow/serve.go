package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
)

func newServeCmd(g *globals) *cobra.Command {
	var httpAddr string
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the engine and the webhook listener until interrupted",
		Long: "Runs every integration that is ON: polls triggers, accepts webhooks, executes runs.\n" +
			"SIGINT/SIGTERM stop it gracefully: no new events are accepted, running steps get --grace\n" +
			"to finish (a step cut off resumes at the next start), then the database is closed.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			st, err := g.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			e, err := engine.New(engine.Options{Store: st, Logger: logger})
			if err != nil {
				return err
			}
			if err := e.Start(cmd.Context()); err != nil {
				return err
			}
			if err := e.Listen(httpAddr); err != nil {
				logger.Error("the webhook listener is off; webhooks will not be received", "err", err)
			} else {
				addr, _ := e.ListenStatus()
				logger.Info("listening", "webhooks", "http://"+addr+"/hooks/{integration-id}", "health", "http://"+addr+"/healthz", "metrics", "http://"+addr+"/metrics")
			}
			logger.Info("oktaflow serve running", "db", st.Path())
			<-cmd.Context().Done()
			logger.Info("stopping: finishing running steps", "grace", grace)
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if err := e.Stop(ctx); err != nil {
				return fmt.Errorf("stop: %w", err)
			}
			logger.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&httpAddr, "http-addr", "127.0.0.1:8780", "address of the webhook/health/metrics listener")
	cmd.Flags().DurationVar(&grace, "grace", 30*time.Second, "how long running steps may take to finish on shutdown")
	return cmd
}
