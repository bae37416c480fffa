package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

func newBackupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup FILE|-",
		Short: "Write a consistent copy of the database to FILE, or to standard output with - (secrets stay sealed)",
		Long: "Writes a consistent copy of the database (a hot copy: runs and webhooks go on meanwhile).\n" +
			"While oktaflow serve runs it holds the database: take the copy through its SSH console with an\n" +
			"admin key, and it streams to your side (\"-\": to standard output, which must not be a terminal):\n\n" +
			"  ssh -p 23234 host backup - > oktaflow-backup.db\n\n" +
			"Secrets in the copy stay sealed: restoring it needs the same secret key (the .key file beside the\n" +
			"database, or OKTAFLOW_SECRET_KEY). The README shows how to restore.",
		Example: "  oktaflow backup ~/backups/oktaflow-$(date +%F).db\n" +
			"  ssh -p 23234 host backup - > oktaflow-$(date +%F).db",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0 && g.shared != nil:
				return &usageError{errors.New("give - to stream the copy to your side, redirected to a file: ssh … backup - > FILE")}
			case len(args) == 0:
				return &usageError{errors.New("give the FILE to write, or - for standard output redirected to a file: oktaflow backup FILE")}
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target := args[0]
			if target == "-" {
				if err := g.checkBinaryOut(cmd); err != nil {
					return err
				}
			} else if _, err := os.Stat(target); err == nil {
				return fmt.Errorf("%s exists; pick a new file name (a backup never overwrites)", target)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			s, done, err := g.reader()
			if err != nil {
				return err
			}
			defer done()
			if target == "-" {
				n, err := s.Backup(cmd.OutOrStdout())
				if err := audited(cmd, err); err != nil {
					return fmt.Errorf("backup: %w", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Wrote a copy of the database (%d bytes). %s\n", n, restoreNote(g))
				return nil
			}
			return backupToFile(cmd, g, s, target)
		},
	}
	markFileArg(cmd, "the copy goes to standard output: ssh … backup - > oktaflow-backup.db")
	return cmd
}

// checkBinaryOut refuses to write a binary copy to a terminal: locally when
// standard output is one, over SSH when the session has one (the server
// cannot see where the client's output goes; "-" is the user's word that it
// is redirected).
func (g *globals) checkBinaryOut(cmd *cobra.Command) error {
	if g.shared != nil {
		if g.terminal {
			return errors.New("this SSH session has a terminal, so the copy would be written to your screen; run it without one: ssh -T … backup - > FILE")
		}
		return nil
	}
	if f, ok := cmd.OutOrStdout().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return errors.New("standard output is a terminal; redirect it to a file: oktaflow backup - > FILE")
	}
	return nil
}

// backupToFile writes the copy to a new file (0600), synced before it is
// reported written; a failed copy leaves no file behind.
func backupToFile(cmd *cobra.Command, g *globals, s *engine.Session, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := s.Backup(f)
	err = audited(cmd, err)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Wrote %s (%d bytes). %s\n", path, n, restoreNote(g))
	return nil
}

// restoreNote says what a restore needs besides the copy.
func restoreNote(g *globals) string {
	where := "the key file beside the database"
	if path, err := g.dbPath(); err == nil && g.shared == nil {
		where = storage.KeyPath(path)
	} else if g.shared != nil {
		where = storage.KeyPath(g.shared.store.Path()) + " on the server"
	}
	return fmt.Sprintf("Restoring it needs the same secret key: %s, or %s", where, storage.SecretKeyEnv)
}

func newCompactCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the database without free space (stop oktaflow first)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := g.dbPath()
			if err != nil {
				return err
			}
			before, after, err := storage.Compact(path)
			if errors.Is(err, storage.ErrLocked) {
				return lockedHint(path, err, true)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Compacted %s: %d → %d bytes\n", path, before, after)
			return nil
		},
	}
}
