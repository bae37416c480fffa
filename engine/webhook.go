package engine

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// Handler serves the engine's HTTP API:
//
//	POST /hooks/{integration}   webhook trigger (Authorization: Bearer <secret>)
//	GET  /hooks/{integration}   Okta event hook verification (X-Okta-Verification-Challenge)
//	GET  /healthz               liveness and queue depth
//	GET  /metrics               Prometheus metrics
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/{id}", e.serveHook)
	mux.HandleFunc("GET /hooks/{id}", e.serveHookVerification)
	mux.HandleFunc("GET /healthz", e.serveHealth)
	mux.Handle("GET /metrics", e.metrics.handler(e))
	return mux
}

// hookAnswer is the JSON answer of the webhook endpoint.
type hookAnswer struct {
	Accepted   int             `json:"accepted,omitempty"`
	Duplicates int             `json:"duplicates,omitempty"`
	Runs       []storage.RunID `json:"runs,omitempty"`
	Error      string          `json:"error,omitempty"`
}

// writeAnswer answers a webhook request and counts the answer by status
// (oktaflow_webhook_answers_total), so refused calls show in the metrics.
func (e *Engine) writeAnswer(w http.ResponseWriter, status int, a hookAnswer) {
	e.metrics.hookAnswers.WithLabelValues(strconv.Itoa(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

// webhookIntegration loads a webhook integration and checks the caller's
// secret. It writes the error answer itself and returns ok false. A caller
// that fails here loses its connection (Connection: close): without the
// secret it costs one short answer and no keep-alive slot.
func (e *Engine) webhookIntegration(w http.ResponseWriter, r *http.Request) (storage.IntegrationBrief, bool) {
	in, err := e.store.IntegrationBrief(r.PathValue("id"))
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		// Not the caller's mistake: ask them to retry rather than give up.
		e.log.Error("load a webhook integration", "err", err)
		e.writeAnswer(w, http.StatusServiceUnavailable, hookAnswer{Error: "could not read the integration; retry"})
		return in, false
	}
	if err != nil || in.Trigger != trigger.Webhook {
		w.Header().Set("Connection", "close")
		e.writeAnswer(w, http.StatusNotFound, hookAnswer{Error: "no webhook integration has this id; copy the URL from the integration's trigger"})
		return in, false
	}
	secret := in.TriggerSecret("secret").Reveal()
	got, ok := bearerToken(r.Header.Get("Authorization"))
	// Constant-time: the comparison must not tell how much of a guess was right.
	if !ok || secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		w.Header().Set("Connection", "close")
		w.Header().Set("WWW-Authenticate", `Bearer realm="oktaflow"`)
		e.writeAnswer(w, http.StatusUnauthorized, hookAnswer{Error: "missing or wrong secret: send Authorization: Bearer <the integration's webhook secret>"})
		return in, false
	}
	return in, true
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme; the scheme name is case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// serveHook accepts webhook events. It answers 202 only after the events
// are committed to the store: an accepted event is never lost.
func (e *Engine) serveHook(w http.ResponseWriter, r *http.Request) {
	in, ok := e.webhookIntegration(w, r)
	if !ok {
		return
	}
	if !in.Enabled {
		e.writeAnswer(w, http.StatusConflict, hookAnswer{Error: "the integration is OFF; switch it ON to accept events"})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		e.writeAnswer(w, http.StatusUnsupportedMediaType, hookAnswer{Error: "send Content-Type: application/json"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e.writeAnswer(w, http.StatusRequestEntityTooLarge, hookAnswer{Error: fmt.Sprintf("the body is larger than the %d MiB limit; send fewer events per call", MaxHookBody>>20)})
		return
	}
	if err != nil {
		e.writeAnswer(w, http.StatusBadRequest, hookAnswer{Error: "reading the body: " + err.Error()})
		return
	}
	idemKey := r.Header.Get("Idempotency-Key")
	events, err := parseHook(body, idemKey)
	var bad *hookError
	if errors.As(err, &bad) {
		e.writeAnswer(w, bad.Status, hookAnswer{Error: bad.Msg})
		return
	}
	batch := make([]storage.NewEvent, len(events))
	for i, ev := range events {
		batch[i] = storage.NewEvent{Payload: ev.Payload, DedupeKey: ev.Key}
	}
	res, err := e.store.EnqueueEvents(in.ID, batch, storage.EnqueueOptions{})
	switch {
	case errors.Is(err, storage.ErrIntegrationOff):
		e.writeAnswer(w, http.StatusConflict, hookAnswer{Error: "the integration is OFF; switch it ON to accept events"})
		return
	case errors.Is(err, storage.ErrNotFound):
		e.writeAnswer(w, http.StatusNotFound, hookAnswer{Error: "the integration was deleted"})
		return
	case err != nil:
		e.log.Error("store webhook events", "integration", in.ID, "err", err)
		e.metrics.storeWriteFailures.WithLabelValues("ingest").Inc()
		msg := "could not store the events; retry"
		if errors.Is(err, storage.ErrCorrupt) { // a retry cannot help: say so, without the file's path
			msg = "oktaflow's database is damaged and its operator must restore a backup (see /healthz); nothing was stored; retry after that"
		}
		e.writeAnswer(w, http.StatusServiceUnavailable, hookAnswer{Error: msg})
		return
	}
	e.afterEnqueueFor(in.ID, res)
	a := hookAnswer{}
	for _, r := range res {
		if r.Duplicate {
			a.Duplicates++
		} else {
			a.Accepted++
			a.Runs = append(a.Runs, r.RunID)
		}
	}
	if reused := reusedKeys(events, res); len(reused) > 0 {
		a.Duplicates -= len(reused)
		a.Error = reusedKeyMessage(idemKey, reused, len(events) > 1 || isArray(body), a.Accepted)
		e.writeAnswer(w, http.StatusUnprocessableEntity, a)
		return
	}
	for _, r := range res {
		if r.Duplicate && r.RunID != 0 {
			a.Runs = append(a.Runs, r.RunID)
		}
	}
	e.writeAnswer(w, http.StatusAccepted, a)
}

// reusedKey is an event whose Idempotency-Key was used before for other data.
type reusedKey struct {
	Index int
	Run   storage.RunID
}

// reusedKeys finds the duplicates whose key came from the caller's
// Idempotency-Key but whose payload differs from the one the key first
// came with (the store keeps a hash of it beside the key): the caller
// reused a key for new data, which must not be dropped silently.
func reusedKeys(events []hookEvent, res []storage.Enqueued) []reusedKey {
	var out []reusedKey
	for i, r := range res {
		if r.Duplicate && r.PayloadDiffers && events[i].Idem {
			out = append(out, reusedKey{Index: i, Run: r.RunID})
		}
	}
	return out
}

func reusedKeyMessage(key string, reused []reusedKey, array bool, accepted int) string {
	if !array {
		return fmt.Sprintf("Idempotency-Key %q was used before with a different body (run %s): nothing was queued; send new data under a new key", key, reused[0].Run)
	}
	items := make([]string, len(reused))
	for i, r := range reused {
		items[i] = fmt.Sprintf("item %d (run %s)", r.Index, r.Run)
	}
	msg := fmt.Sprintf("Idempotency-Key %q was used before with a different body: %s %s; send new data under a new key",
		key, strings.Join(items, ", "), plural2(len(items), "differs from what was sent then and was not queued", "differ from what was sent then and were not queued"))
	if accepted > 0 {
		msg += fmt.Sprintf(" (%d other %s accepted)", accepted, plural2(accepted, "item was", "items were"))
	}
	return msg
}

func isArray(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '['
}

// serveHookVerification answers Okta's one-time event hook verification.
func (e *Engine) serveHookVerification(w http.ResponseWriter, r *http.Request) {
	challenge := r.Header.Get("X-Okta-Verification-Challenge")
	if challenge == "" {
		e.writeAnswer(w, http.StatusMethodNotAllowed, hookAnswer{Error: "POST events to this URL; GET only answers Okta's X-Okta-Verification-Challenge"})
		return
	}
	if _, ok := e.webhookIntegration(w, r); !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"verification": challenge})
}

// maxDamagedShown bounds the damaged records /healthz lists (it counts them all).
const maxDamagedShown = 20

// serveHealth answers liveness with the queue depth, the triggers' health
// and the store's: status "degraded" while any trigger cannot poll (each
// failing one listed with its error), the database refuses run writes, or
// records of it cannot be read (each named, up to maxDamagedShown). It answers 200 either way (the process is alive);
// 503 only when the store cannot be read.
func (e *Engine) serveHealth(w http.ResponseWriter, _ *http.Request) {
	counts, err := e.store.RunCounts()
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "error", "error": err.Error()})
		return
	}
	type failing struct {
		Integration string    `json:"integration"`
		Name        string    `json:"name"`
		Error       string    `json:"error"`
		LastErrorAt time.Time `json:"last_error_at"`
		Since       time.Time `json:"failing_since"` // the first failure of the streak
		Failures    int       `json:"failures"`
		LastOK      time.Time `json:"last_ok_at,omitzero"`
		NextPoll    time.Time `json:"next_poll_at,omitzero"`
	}
	triggers := struct {
		OK       int              `json:"ok"`
		Failing  []failing        `json:"failing"`
		Warnings []TriggerWarning `json:"warnings"` // of triggers that poll, but skip or wait for something
	}{Failing: []failing{}, Warnings: []TriggerWarning{}}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		if in, err := e.store.Integration(id); err == nil {
			names[id] = in.Name
		}
		return names[id]
	}
	for id, h := range e.TriggerHealths() {
		if h.State != TriggerFailing {
			triggers.OK++
			for _, w := range e.TriggerWarnings(id) {
				w.Name = name(id)
				triggers.Warnings = append(triggers.Warnings, w)
			}
			continue
		}
		f := failing{Integration: id, Name: name(id), Error: h.LastError, LastErrorAt: h.LastErrorAt, Since: h.FailingSince,
			Failures: h.Failures, LastOK: h.LastOKAt, NextPoll: h.NextPollAt}
		triggers.Failing = append(triggers.Failing, f)
	}
	slices.SortFunc(triggers.Failing, func(a, b failing) int { return strings.Compare(a.Integration, b.Integration) })
	slices.SortStableFunc(triggers.Warnings, func(a, b TriggerWarning) int { return strings.Compare(a.Integration, b.Integration) })
	answer := map[string]any{
		"status": "ok", "queued": counts[storage.RunQueued] + counts[storage.RunRetrying] + counts[storage.RunWaiting],
		"running": counts[storage.RunRunning], "triggers": triggers,
	}
	if len(triggers.Failing) > 0 {
		answer["status"] = "degraded"
	}
	store := map[string]any{}
	if sh := e.StoreHealth(); sh.Failing {
		store["error"], store["since"] = sh.LastError, sh.Since
	}
	if err := e.store.MergeProblem(); err != nil {
		store["dedupe_merge_error"] = err.Error()
	}
	if bad := e.store.Problems(); len(bad) > 0 { // records that cannot be read: listings skip them
		type damaged struct {
			Bucket string `json:"bucket"`
			Key    string `json:"key"`
			Error  string `json:"error"`
		}
		list := make([]damaged, 0, min(len(bad), maxDamagedShown))
		for _, p := range bad[:min(len(bad), maxDamagedShown)] {
			list = append(list, damaged{Bucket: p.Bucket, Key: p.Key, Error: p.Error()})
		}
		store["damaged_records"], store["damaged_count"] = list, len(bad)
	}
	if len(store) > 0 {
		answer["status"] = "degraded"
		answer["store"] = store
	}
	json.NewEncoder(w).Encode(answer)
}
