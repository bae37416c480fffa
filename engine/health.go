package engine

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// Trigger health states.
const (
	TriggerOK      = storage.HealthOK
	TriggerFailing = storage.HealthFailing
)

// TriggerHealth is how a pull trigger is polling: whether its last poll
// worked, the last error with its time, how many polls in a row failed, and
// when the next poll is due. A trigger that cannot poll is never silent: it
// shows here (Engine.TriggerHealth), as a TriggerHealthChanged event, in
// /healthz, in the Prometheus metrics, and in the store for the CLI.
type TriggerHealth = storage.TriggerHealth

// Poll backoff: a failing poll waits its interval·2ⁿ⁻¹ (±10 %) up to
// maxPollBackoff, or longer when the source said when to come back
// (Retry-After), though never more than maxRetryAfter.
const (
	maxPollBackoff = 15 * time.Minute
	maxRetryAfter  = time.Hour
)

// pollDelay is the wait before the next poll after failures failed polls
// in a row (0: the last poll worked), given the source's own hint.
func pollDelay(interval time.Duration, failures int, retryAfter time.Duration) time.Duration {
	if failures <= 0 {
		return interval
	}
	d := min(interval<<min(failures-1, 30), maxPollBackoff)
	if d <= 0 { // shift overflow
		d = maxPollBackoff
	}
	d = time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
	return max(d, min(retryAfter, maxRetryAfter))
}

// healthBook keeps the health of every running poller and records each
// change in the store, so that the CLI and the next start see it too. The
// store writes only when the state, the error or the failure count
// changed, or hourly for the time of the last good poll: steady polling
// costs no fsync (storage.SetTriggerHealth).
type healthBook struct {
	e *Engine

	mu       sync.Mutex
	byID     map[string]TriggerHealth // each with its FailingSince and Warnings
	warnings map[string]*warnings     // what Warnings is made from
}

func newHealthBook(e *Engine) *healthBook {
	return &healthBook{e: e, byID: map[string]TriggerHealth{}}
}

// TriggerHealth returns the health of an integration's trigger; ok is
// false when no poller runs for it (OFF, or a push trigger).
func (e *Engine) TriggerHealth(integrationID string) (TriggerHealth, bool) {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	h, ok := e.health.byID[integrationID]
	return h, ok
}

// TriggerHealths returns the health of every running poller by integration id.
func (e *Engine) TriggerHealths() map[string]TriggerHealth {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	out := make(map[string]TriggerHealth, len(e.health.byID))
	for id, h := range e.health.byID {
		out[id] = h
	}
	return out
}

// resume starts an integration's record from what the store kept (a
// trigger failing before a restart still shows as failing until it polls
// again) and returns its failures in a row.
func (b *healthBook) resume(id string) int {
	stored, err := b.e.store.TriggerHealth(id)
	if err != nil || stored.State == "" {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.byID[id]; !ok {
		if stored.State == TriggerFailing && stored.FailingSince.IsZero() {
			// Stored before the start of a streak was: it counts from the
			// latest failure (it began then at the latest).
			stored.FailingSince = stored.LastErrorAt
		}
		b.byID[id] = stored
		if w := warningsOf(stored.Warnings); w != nil {
			if b.warnings == nil {
				b.warnings = map[string]*warnings{}
			}
			b.warnings[id] = w
		}
	}
	return b.byID[id].Failures
}

// succeeded records a poll that worked, with what it had to skip or wait
// for. The next poll is due after wait. The state, the warnings and the
// last error (the newest problem not reported before) change in one
// update, so that the TriggerHealthChanged event, and a screen that reads
// the health when it gets one, see the warning with the state, and a poll
// costs at most one write. A standing problem shown already is neither
// counted nor logged again.
func (b *healthBook) succeeded(id string, wait time.Duration, problems []trigger.PollProblem) {
	now := b.e.now()
	for _, p := range problems {
		if !p.Again {
			b.e.metrics.triggerProblems.WithLabelValues(id, p.Reason).Inc()
			b.e.log.Warn("trigger problem", "integration", id, "problem", p.Msg, "reason", p.Reason)
		}
	}
	b.mu.Lock()
	b.warn(id, problems, now)
	list, more := b.warningList(id, now, storage.MaxStoredWarnings)
	b.mu.Unlock()
	b.update(id, func(h *TriggerHealth) {
		h.State, h.Failures, h.LastOKAt, h.NextPollAt, h.FailingSince = TriggerOK, 0, now, now.Add(wait), time.Time{}
		h.Warnings, h.MoreWarnings = list, more
		for _, p := range problems {
			if !p.Again && p.Reason != trigger.ReasonRewritten { // one shown already stays in Warnings; no write per poll
				h.LastError, h.LastErrorAt = p.Msg, now
			}
		}
	})
	for _, p := range problems {
		if !p.Again {
			b.e.bus.publish(Event{Kind: TriggerProblem, At: now, IntegrationID: id, Message: p.Msg})
		}
	}
}

// failed records a poll that failed; reason is its metrics label. The
// first failure of a streak is when the trigger has been failing since.
func (b *healthBook) failed(id string, err error, reason string, wait time.Duration) {
	now := b.e.now()
	b.e.metrics.pollFailures.WithLabelValues(id, reason).Inc()
	b.update(id, func(h *TriggerHealth) {
		if h.Failures == 0 || h.FailingSince.IsZero() {
			h.FailingSince = now
		}
		h.State, h.LastError, h.LastErrorAt, h.NextPollAt = TriggerFailing, describePollError(err), now, now.Add(wait)
		h.Failures++
	})
}

// TriggerWarning is something a working trigger skipped or waits for (see
// storage.TriggerWarning): kept with the trigger's health.
type TriggerWarning = storage.TriggerWarning

// Warnings kept per trigger: the standing ones of its last poll, and the
// items skipped in the last day, at most maxRecentWarnings of them.
const (
	maxRecentWarnings = 20
	recentWarningsFor = storage.RecentWarningsFor
)

// warn folds a good poll's problems into the trigger's warnings (b.mu held).
func (b *healthBook) warn(id string, problems []trigger.PollProblem, now time.Time) {
	if b.warnings == nil {
		b.warnings = map[string]*warnings{}
	}
	w := b.warnings[id]
	if w == nil {
		if len(problems) == 0 {
			return
		}
		w = &warnings{}
		b.warnings[id] = w
	}
	since := map[string]time.Time{} // a standing warning keeps when it was first found
	for _, s := range w.standing {
		since[s.Message] = s.At
	}
	w.standing = w.standing[:0:0]
	for _, p := range problems {
		if p.Reason == trigger.ReasonRewritten {
			// Read again from its start: a row still bad is found again,
			// so what was skipped in it before goes (fixed, most likely).
			// The rewrite itself is news (logged, counted), not a warning.
			w.recent = slices.DeleteFunc(w.recent, func(tw TriggerWarning) bool { return tw.File == p.File })
		}
	}
	for _, p := range problems {
		if p.Reason == trigger.ReasonRewritten {
			continue
		}
		tw := TriggerWarning{Integration: id, Reason: p.Reason, File: p.File, Line: p.Line, Message: p.Msg, Standing: p.Standing, At: now}
		if !p.Standing {
			w.recent = append(w.recent, tw)
			continue
		}
		if at, ok := since[p.Msg]; ok {
			tw.At = at
		}
		w.standing = append(w.standing, tw)
	}
	w.expire(now)
	if len(w.standing) == 0 && len(w.recent) == 0 {
		delete(b.warnings, id)
	}
}

// warningList is a trigger's warnings: standing ones first, then the
// recent items newest first, at most limit of them (0: all), and how many
// were left out (b.mu held).
func (b *healthBook) warningList(id string, now time.Time, limit int) ([]TriggerWarning, int) {
	w := b.warnings[id]
	if w == nil {
		return nil, 0
	}
	w.expire(now)
	out := slices.Clone(w.standing)
	for i := len(w.recent) - 1; i >= 0; i-- {
		out = append(out, w.recent[i])
	}
	if limit > 0 && len(out) > limit {
		return out[:limit], len(out) - limit
	}
	return out, 0
}

// warnings are one trigger's.
type warnings struct{ standing, recent []TriggerWarning }

// expire drops the recent items older than a day, and the oldest beyond
// maxRecentWarnings.
func (w *warnings) expire(now time.Time) {
	for len(w.recent) > 0 && (len(w.recent) > maxRecentWarnings || now.Sub(w.recent[0].At) > recentWarningsFor) {
		w.recent = w.recent[1:]
	}
}

// warningsOf rebuilds a trigger's warnings from its stored list (standing
// first, then recent newest first), nil for none.
func warningsOf(list []TriggerWarning) *warnings {
	if len(list) == 0 {
		return nil
	}
	w := &warnings{}
	for _, tw := range list {
		if tw.Standing {
			w.standing = append(w.standing, tw)
		} else {
			w.recent = append(w.recent, tw)
		}
	}
	slices.Reverse(w.recent)
	return w
}

// TriggerWarnings returns what an integration's trigger skipped or waits
// for: its standing warnings, then the items skipped in the last day,
// newest first: all of them (the stored health keeps the first
// storage.MaxStoredWarnings).
func (e *Engine) TriggerWarnings(integrationID string) []TriggerWarning {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	list, _ := e.health.warningList(integrationID, e.now(), 0)
	return list
}

// forget drops an integration that no longer polls (switched OFF, deleted).
func (b *healthBook) forget(id string) {
	b.mu.Lock()
	_, had := b.byID[id]
	delete(b.byID, id)
	delete(b.warnings, id)
	b.mu.Unlock()
	if had {
		b.e.metrics.forgetTrigger(id)
	}
	// The stored health goes too: switched ON again, it starts afresh.
	if _, err := b.e.store.SetTriggerHealth(id, TriggerHealth{}); err != nil && !errors.Is(err, storage.ErrNotFound) {
		b.e.log.Error("clear trigger health", "integration", id, "err", err)
	}
}

func (b *healthBook) update(id string, change func(*TriggerHealth)) {
	b.mu.Lock()
	old, seen := b.byID[id]
	h := old
	if !seen {
		h.State = TriggerOK
	}
	change(&h)
	b.byID[id] = h
	b.mu.Unlock()
	if _, err := b.e.store.SetTriggerHealth(id, h); err != nil && !errors.Is(err, storage.ErrNotFound) {
		b.e.log.Error("store trigger health", "integration", id, "err", err)
	}
	// A good poll after a good poll changes only times: no event.
	if seen && old.State == h.State && old.Failures == h.Failures && old.LastError == h.LastError && old.LastErrorAt.Equal(h.LastErrorAt) &&
		old.MoreWarnings == h.MoreWarnings && slices.EqualFunc(old.Warnings, h.Warnings, TriggerWarning.Equal) {
		return
	}
	b.e.bus.publish(Event{Kind: TriggerHealthChanged, At: b.e.now(), IntegrationID: id, Health: &h, Message: h.LastError})
}

// failureReason sorts a poll failure for the metrics and says how long the
// source asked us to wait (0: it did not say).
func failureReason(err error, hint time.Duration) (reason string, retryAfter time.Duration) {
	var (
		httpErr  *trigger.HTTPError
		apiErr   *okta.APIError
		rl       *okta.RateLimitError
		netErr   net.Error
		dnsErr   *net.DNSError
		hinted   interface{ RetryAfter() time.Duration }
		statusOf = 0
	)
	if errors.As(err, &hinted) {
		hint = max(hint, hinted.RetryAfter())
	}
	var policy *SourcePolicyError
	switch {
	case errors.As(err, &policy):
		return "policy", hint // the trigger's file or address is not one it may read
	case errors.As(err, &rl):
		if !rl.RetryAt.IsZero() {
			hint = max(hint, time.Until(rl.RetryAt))
		}
		return "rate_limited", hint
	case errors.As(err, &httpErr):
		statusOf = httpErr.Status
	case errors.As(err, &apiErr):
		statusOf = apiErr.Status
	case errors.Is(err, fs.ErrNotExist):
		return "file_not_found", hint // a CSV trigger's path
	case errors.Is(err, fs.ErrPermission):
		return "permission_denied", hint
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused", hint
	case errors.As(err, &dnsErr):
		return "dns", hint
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout", hint
	case errors.As(err, &netErr):
		return "network", hint
	}
	switch {
	case statusOf == 0:
		return "other", hint
	case statusOf == http.StatusUnauthorized || statusOf == http.StatusForbidden:
		return "auth", hint
	case statusOf == http.StatusTooManyRequests:
		return "rate_limited", hint
	case statusOf >= 500:
		return "server_error", hint
	}
	return "client_error", hint
}
