package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// The Session's changes to integrations, runs and the database: each
// passes the change gate (change), which checks the op and writes the audit
// entry.

// SaveResult is what saving an integration did.
type SaveResult struct {
	Integration storage.Integration
	Created     bool // a new integration (it starts OFF)
	// Rebaselined: the trigger's source changed while ON (another file,
	// URL, process or account), so it reads from now on, as after switching
	// ON; what the new source already held does not fire. Front ends say so.
	Rebaselined bool
}

// SaveIntegration validates and stores an integration (a new one when its
// ID is empty).
func (s *Session) SaveIntegration(ctx context.Context, in storage.Integration) (SaveResult, error) {
	return change(s, OpEditIntegration, func() (SaveResult, *entry, error) {
		res, err := s.e.saveIntegration(ctx, in)
		if err != nil {
			return SaveResult{}, nil, err
		}
		ent := &entry{"integration.edit", res.Integration.ID, res.Integration.Name}
		if res.Created {
			ent.action = "integration.create"
		}
		if res.Rebaselined {
			ent.detail += " · its trigger's source changed: it reads from now"
		}
		return res, ent, nil
	})
}

// Import creates an integration, OFF, from a document.
func (s *Session) Import(ctx context.Context, data []byte) (SaveResult, error) {
	return change(s, OpEditIntegration, func() (SaveResult, *entry, error) {
		saved, err := s.e.Import(ctx, data)
		if err != nil {
			return SaveResult{}, nil, err
		}
		return SaveResult{Integration: saved, Created: true}, &entry{"integration.create", saved.ID, saved.Name + " · imported"}, nil
	})
}

// DeleteIntegration removes an integration (its finished runs stay).
func (s *Session) DeleteIntegration(ctx context.Context, id string) error {
	_, err := change(s, OpDeleteIntegration, func() (struct{}, *entry, error) {
		in, err := s.e.store.Integration(id)
		if errors.Is(err, storage.ErrCorrupt) {
			// A record that cannot be read can still be deleted: the way
			// out of a damaged integration short of a restore.
			in, err = storage.Integration{ID: id, Name: "(damaged record)"}, nil
		}
		if err != nil {
			return struct{}{}, nil, err
		}
		if err := s.e.DeleteIntegration(ctx, in.ID); err != nil {
			return struct{}{}, nil, err
		}
		return struct{}{}, &entry{"integration.delete", in.ID, in.Name}, nil
	})
	return err
}

// SetEnabled switches an integration ON (from now, or from `from`) or OFF
// (its queued runs are cancelled: their number is returned).
func (s *Session) SetEnabled(ctx context.Context, id string, on bool, from time.Time) (cancelled int, err error) {
	return change(s, OpToggle, func() (int, *entry, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return 0, nil, err
		}
		n, err := s.e.SetEnabled(ctx, in.ID, on, from)
		if err != nil {
			return 0, nil, err
		}
		ent := &entry{"integration.disable", in.ID, in.Name}
		if on {
			ent.action = "integration.enable"
			if !from.IsZero() {
				ent.detail += " · from " + from.UTC().Format(time.RFC3339)
			}
		}
		if n > 0 {
			ent.detail += fmt.Sprintf(" · cancelled %d queued run%s", n, plural(n))
		}
		return n, ent, nil
	})
}

// ResetTrigger makes an ON integration's trigger start again from `from`
// (now when zero), as switching it ON does; what it saw already does not
// fire again.
func (s *Session) ResetTrigger(ctx context.Context, id string, from time.Time) (storage.Integration, error) {
	return change(s, OpResetTrigger, func() (storage.Integration, *entry, error) {
		in, err := s.e.ResetTrigger(ctx, id, from)
		if err != nil {
			return storage.Integration{}, nil, err
		}
		return in, &entry{"integration.reset_trigger", in.ID, in.Name + " · from " + in.EnabledAt.UTC().Format(time.RFC3339)}, nil
	})
}

// RunNow queues a run of an integration with the given event.
func (s *Session) RunNow(id string, event map[string]any) (storage.RunID, error) {
	return change(s, OpRunNow, func() (storage.RunID, *entry, error) {
		in, err := s.e.store.Integration(id)
		if err != nil {
			return 0, nil, err
		}
		run, err := s.e.RunNow(in.ID, event)
		if err != nil {
			return 0, nil, err
		}
		return run, &entry{"integration.run", in.ID, in.Name + " · run " + run.String()}, nil
	})
}

// RetryRun puts a failed or cancelled run back in the queue.
func (s *Session) RetryRun(id storage.RunID) (storage.Run, error) {
	return change(s, OpRetry, func() (storage.Run, *entry, error) {
		r, err := s.e.RetryRun(id)
		if err != nil {
			return storage.Run{}, nil, err
		}
		detail := r.IntegrationID
		if in, err := s.e.store.Integration(r.IntegrationID); err == nil {
			detail += " " + in.Name
		}
		return r, &entry{"run.retry", r.ID.String(), detail}, nil
	})
}

// TestIntegration runs an integration's steps once on an event, for real
// (see Engine.TestIntegration).
func (s *Session) TestIntegration(ctx context.Context, in storage.Integration, event map[string]any) ([]StepOutcome, error) {
	return change(s, OpTest, func() ([]StepOutcome, *entry, error) {
		outs, err := s.e.TestIntegration(ctx, in, event)
		if err != nil {
			return outs, nil, err
		}
		target := in.ID
		if target == "" {
			target = in.Name
		}
		return outs, &entry{"integration.test", target, TestSummary(outs)}, nil
	})
}

// RevealSecret returns one of an integration's trigger secrets in clear
// (the webhook secret to give a caller, say), audited.
func (s *Session) RevealSecret(integrationID, key string) (storage.Secret, error) {
	return change(s, OpRevealSecret, func() (storage.Secret, *entry, error) {
		in, err := s.e.store.Integration(integrationID)
		if err != nil {
			return "", nil, err
		}
		sec, ok := in.Trigger.Secrets[key]
		if !ok || sec.IsZero() {
			return "", nil, fmt.Errorf("%s has no secret %q: %w", in.Name, key, storage.ErrNotFound)
		}
		return sec, &entry{"integration.show_secret", in.ID, in.Name + " · " + key}, nil
	})
}

// Backup writes a consistent copy of the database to w while the engine
// runs (secrets stay sealed in it) and returns its size.
func (s *Session) Backup(w io.Writer) (int64, error) {
	return change(s, OpBackup, func() (int64, *entry, error) {
		n, err := s.e.store.Backup(w)
		if err != nil {
			return n, nil, err
		}
		return n, &entry{"database.backup", s.e.store.Path(), fmt.Sprintf("%d bytes", n)}, nil
	})
}

// TestSummary is a test's result in one line, each step's: "create ✓
// created; find ✗ E0000007" (the audit detail of integration.test).
func TestSummary(outs []StepOutcome) string {
	parts := make([]string, 0, len(outs))
	for _, o := range outs {
		switch {
		case o.Error != nil && o.Error.Code != "":
			parts = append(parts, o.StepID+" ✗ "+o.Error.Code)
		case o.Error != nil:
			parts = append(parts, o.StepID+" ✗")
		default:
			parts = append(parts, o.StepID+" ✓ "+fmt.Sprint(o.Output["outcome"]))
		}
	}
	return strings.Join(parts, "; ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
