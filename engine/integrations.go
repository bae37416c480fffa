package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// SaveIntegration validates an integration and stores it (a new one when
// its ID is empty). A new integration starts OFF. A webhook trigger without
// a secret gets a generated one.
func (e *Engine) SaveIntegration(ctx context.Context, in storage.Integration) (storage.Integration, error) {
	res, err := e.saveIntegration(ctx, in)
	return res.Integration, err
}

// saveIntegration is SaveIntegration, saying what the save did. Editing
// the source of an ON trigger (another file, URL, process, account...: see
// sourceChanged) re-baselines it from now, as switching it ON does, in the
// same transaction as the edit; its poll loop is stopped meanwhile, so that
// no poll of the old source can store its cursor after the reset.
func (e *Engine) saveIntegration(ctx context.Context, in storage.Integration) (SaveResult, error) {
	var old storage.Integration
	if in.ID != "" {
		var err error
		if old, err = e.store.Integration(in.ID); err != nil {
			return SaveResult{}, err
		}
	}
	separateSecrets(&in.Trigger)
	separateStepSecrets(&in, &old)
	e.fullFeedPath(&in.Trigger)
	if in.Trigger.Type == trigger.Webhook && in.Trigger.Secrets["secret"].IsZero() {
		if in.Trigger.Secrets == nil {
			in.Trigger.Secrets = map[string]storage.Secret{}
		}
		in.Trigger.Secrets["secret"] = NewSecret()
	}
	if err := e.ValidateIntegration(in); err != nil {
		return SaveResult{}, err
	}
	var res SaveResult
	var err error
	switch {
	case in.ID == "":
		res.Created = true
		res.Integration, err = e.store.CreateIntegration(in)
	default:
		if !old.Enabled || !sourceChanged(old.Trigger, in.Trigger) {
			res.Integration, err = e.store.UpdateIntegration(in)
			break
		}
		res.Rebaselined = true
		err = e.withPollerStopped(in.ID, func() error {
			var rerr error
			res.Integration, rerr = e.store.RestartTrigger(in.ID, time.Time{}, &in)
			return rerr
		})
	}
	if err != nil {
		return SaveResult{}, err
	}
	e.integrationChanged(ctx, res.Integration.ID)
	return res, nil
}

// ResetTrigger makes an ON integration's trigger start again from `from`
// (now when zero): its position is forgotten, so the next poll is a first
// poll, as after switching ON. What was seen already (its dedupe keys) does
// not fire again, and queued runs stay.
func (e *Engine) ResetTrigger(ctx context.Context, id string, from time.Time) (storage.Integration, error) {
	in, err := e.store.Integration(id)
	if err != nil {
		return storage.Integration{}, err
	}
	if spec, ok := trigger.Lookup(in.Trigger.Type); ok && spec.Push {
		return storage.Integration{}, fmt.Errorf("%s has a %s trigger, which keeps no position to reset: it takes what is sent to it while it is ON", in.Name, in.Trigger.Type)
	}
	var out storage.Integration
	err = e.withPollerStopped(id, func() error {
		var err error
		if out, err = e.store.RestartTrigger(id, from, nil); err != nil {
			return err
		}
		return e.rewind(out, from)
	})
	if err != nil {
		return storage.Integration{}, err
	}
	e.integrationChanged(ctx, id)
	return out, nil
}

// separateSecrets moves the trigger's secret settings (a webhook secret, a
// Kissflow access key secret, http_poll's headers and secret-looking URL
// query parameters) from its plain config into Secrets, so that they are
// sealed at rest and never exported. The rule of what is secret lives in
// trigger.SplitSecrets; secrets sealed before go through it unchanged.
func separateSecrets(t *storage.Trigger) {
	values := map[string]any{}
	for k, v := range t.Secrets {
		values[k] = v.Reveal()
	}
	for k, v := range t.Config {
		values[k] = v
	}
	plain, secrets := trigger.SplitSecrets(t.Type, values)
	for k := range t.Secrets {
		if _, ok := secrets[k]; !ok {
			if _, plainNow := plain[k]; plainNow {
				delete(plain, k) // not a secret of this type: it was sealed before, keep it so
			}
			secrets[k] = t.Secrets[k].Reveal()
		}
	}
	t.Config = plain
	if len(secrets) > 0 && t.Secrets == nil {
		t.Secrets = map[string]storage.Secret{}
	}
	for k, v := range secrets {
		t.Secrets[k] = storage.Secret(v)
	}
}

// fullFeedPath saves a CSV trigger's relative path as the full path inside
// the feeds folder, the file the poller opens.
func (e *Engine) fullFeedPath(t *storage.Trigger) {
	if t.Type != trigger.CSV {
		return
	}
	if p, ok := t.Config["path"].(string); ok && strings.TrimSpace(p) != "" {
		if full, err := e.feedPath(strings.TrimSpace(p)); err == nil {
			t.Config["path"] = full
		}
	}
}

// NewSecret returns a random secret for a webhook (32 bytes, URL-safe).
func NewSecret() storage.Secret {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("engine: crypto/rand failed: " + err.Error())
	}
	return storage.Secret("whsec_" + base64.RawURLEncoding.EncodeToString(b))
}

// SetEnabled switches an integration ON (its triggers start from now, or
// from `from` when given) or OFF (its trigger stops and its queued runs are
// cancelled; running steps finish).
func (e *Engine) SetEnabled(ctx context.Context, id string, on bool, from time.Time) (cancelled int, err error) {
	if on {
		in, err := e.store.Integration(id)
		if err != nil {
			return 0, err
		}
		if err := e.ValidateIntegration(in); err != nil {
			return 0, err
		}
	}
	cancelled, err = e.store.SetEnabled(id, on, from)
	if err != nil {
		return 0, err
	}
	if on {
		if in, err := e.store.Integration(id); err == nil {
			if err := e.rewind(in, from); err != nil {
				return cancelled, err
			}
		}
	}
	e.integrationChanged(ctx, id)
	return cancelled, nil
}

// rewind starts a trigger that was just reset or switched ON with a time
// in the past (from) at the cursor its poller gives for that time, when
// its first poll cannot tell by itself what is new since then
// (trigger.Rewinder: a CSV trigger reads again the files modified at or
// after it); other triggers read from their start time in their first
// poll. Its next poll loop then polls at once, as without a cursor.
func (e *Engine) rewind(in storage.Integration, from time.Time) error {
	if from.IsZero() {
		return nil
	}
	p, err := trigger.NewPoller(in.Trigger.Type, triggerConfig(in.Trigger), e.triggerDeps())
	if err != nil {
		return nil // the trigger's own problem: its polls report it
	}
	r, ok := p.(trigger.Rewinder)
	if !ok {
		return nil
	}
	cursor, err := r.Rewind(context.Background(), from)
	if err != nil {
		return err
	}
	if err := e.store.SetCursor(in.ID, cursor); err != nil {
		return err
	}
	e.polls.pollSoon(in.ID)
	return nil
}

// DeleteIntegration removes an integration, its trigger state and its
// pending runs; finished runs stay for history.
func (e *Engine) DeleteIntegration(ctx context.Context, id string) error {
	if err := e.store.DeleteIntegration(id); err != nil {
		return err
	}
	e.integrationChanged(ctx, id)
	return nil
}

// integrationChanged restarts pollers as needed and tells subscribers.
func (e *Engine) integrationChanged(ctx context.Context, id string) {
	e.mu.Lock()
	started := e.started
	e.mu.Unlock()
	if started && !e.opts.NoTriggers {
		if err := e.polls.reconcile(ctx); err != nil {
			e.log.Error("restart trigger pollers", "err", err)
		}
	}
	e.sched.kick()
	e.bus.publish(Event{Kind: IntegrationChanged, At: e.now(), IntegrationID: id})
}
