package engine

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

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

func writeAnswer(w http.ResponseWriter, status int, a hookAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

// webhookIntegration loads a webhook integration and checks the caller's
// secret. It writes the error answer itself and returns ok false.
func (e *Engine) webhookIntegration(w http.ResponseWriter, r *http.Request) (storage.Integration, bool) {
	in, err := e.store.Integration(r.PathValue("id"))
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		// Not the caller's mistake: ask them to retry rather than give up.
		e.log.Error("load a webhook integration", "err", err)
		writeAnswer(w, http.StatusServiceUnavailable, hookAnswer{Error: "could not read the integration; retry"})
		return in, false
	}
	if err != nil || in.Trigger.Type != trigger.Webhook {
		writeAnswer(w, http.StatusNotFound, hookAnswer{Error: "no webhook integration has this id; copy the URL from the integration's trigger"})
		return in, false
	}
	secret := in.Trigger.Secrets["secret"].Reveal()
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Constant-time: the comparison must not tell how much of a guess was right.
	if !ok || secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oktaflow"`)
		writeAnswer(w, http.StatusUnauthorized, hookAnswer{Error: "missing or wrong secret: send Authorization: Bearer <the integration's webhook secret>"})
		return in, false
	}
	return in, true
}

// serveHook accepts webhook events. It answers 202 only after the events
// are committed to the store: an accepted event is never lost.
func (e *Engine) serveHook(w http.ResponseWriter, r *http.Request) {
	in, ok := e.webhookIntegration(w, r)
	if !ok {
		return
	}
	if !in.Enabled {
		writeAnswer(w, http.StatusConflict, hookAnswer{Error: "the integration is OFF; switch it ON to accept events"})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		writeAnswer(w, http.StatusUnsupportedMediaType, hookAnswer{Error: "send Content-Type: application/json"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, trigger.MaxWebhookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeAnswer(w, http.StatusRequestEntityTooLarge, hookAnswer{Error: "the body is larger than 1 MiB; send fewer events per call"})
		return
	}
	if err != nil {
		writeAnswer(w, http.StatusBadRequest, hookAnswer{Error: "reading the body: " + err.Error()})
		return
	}
	events, err := trigger.ParseWebhook(body, r.Header.Get("Idempotency-Key"))
	if err != nil {
		writeAnswer(w, http.StatusBadRequest, hookAnswer{Error: err.Error()})
		return
	}
	batch := make([]storage.NewEvent, len(events))
	for i, ev := range events {
		raw, _ := json.Marshal(ev.Data)
		batch[i] = storage.NewEvent{Payload: raw, DedupeKey: ev.DedupeKey}
	}
	res, err := e.store.EnqueueEvents(in.ID, batch, storage.EnqueueOptions{})
	switch {
	case errors.Is(err, storage.ErrIntegrationOff):
		writeAnswer(w, http.StatusConflict, hookAnswer{Error: "the integration is OFF; switch it ON to accept events"})
		return
	case errors.Is(err, storage.ErrNotFound):
		writeAnswer(w, http.StatusNotFound, hookAnswer{Error: "the integration was deleted"})
		return
	case err != nil:
		e.log.Error("store webhook events", "integration", in.ID, "err", err)
		writeAnswer(w, http.StatusServiceUnavailable, hookAnswer{Error: "could not store the events; retry"})
		return
	}
	e.afterEnqueue(res)
	a := hookAnswer{}
	for _, r := range res {
		if r.Duplicate {
			a.Duplicates++
		} else {
			a.Accepted++
		}
		if r.RunID != 0 {
			a.Runs = append(a.Runs, r.RunID)
		}
	}
	writeAnswer(w, http.StatusAccepted, a)
}

// serveHookVerification answers Okta's one-time event hook verification.
func (e *Engine) serveHookVerification(w http.ResponseWriter, r *http.Request) {
	challenge := r.Header.Get("X-Okta-Verification-Challenge")
	if challenge == "" {
		writeAnswer(w, http.StatusMethodNotAllowed, hookAnswer{Error: "POST events to this URL; GET only answers Okta's X-Okta-Verification-Challenge"})
		return
	}
	if _, ok := e.webhookIntegration(w, r); !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"verification": challenge})
}

func (e *Engine) serveHealth(w http.ResponseWriter, _ *http.Request) {
	counts, err := e.store.RunCounts()
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"status": "error", "error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"status": "ok", "queued": counts[storage.RunQueued] + counts[storage.RunRetrying] + counts[storage.RunWaiting],
		"running": counts[storage.RunRunning],
	})
}
