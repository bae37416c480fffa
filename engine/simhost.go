package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// simHost is what the sandbox org (sandbox.go) and a Kissflow sandbox
// (kissflow_sandbox.go) share: a simulator serving one account on a
// loopback port, its state kept in a file beside the database; simSet is
// the sandboxes of one kind running in this engine.
//
// Invariants, for both kinds:
//   - At most one server per account runs in this engine: creating,
//     starting, stopping and removing are serialised by simSet.ops.
//   - The state file is only ever replaced whole (writeFileAtomic): a crash
//     leaves the previous or the new state, never half of one.
//   - A removed sandbox is never saved again (removed, checked under
//     saveMu), so a periodic save cannot bring its file back.
type simHost struct {
	accountID, name, path string
	label                 string      // "sandbox" or "Kissflow sandbox", in messages
	dirty                 atomic.Bool // changed since the last save

	// Set by serve when it runs.
	state  savable
	server simServer

	saveMu  sync.Mutex
	removed bool // guarded by saveMu
}

// savable is a simulator's state (an *oktatest.Org, a *kissflowtest.Account).
type savable interface{ Save(w io.Writer) error }

// simServer is a simulator's HTTP server.
type simServer interface {
	Shutdown(ctx context.Context) error
	Close()
}

// serve records what the sandbox runs: its state and its server.
func (h *simHost) serve(state savable, server simServer) { h.state, h.server = state, server }

// save writes the state to its file, whole or not at all.
func (h *simHost) save() error {
	h.saveMu.Lock()
	defer h.saveMu.Unlock()
	if h.removed {
		return nil
	}
	h.dirty.Store(false) // a change made while saving marks it dirty again
	var buf bytes.Buffer
	err := h.state.Save(&buf)
	if err == nil {
		err = writeFileAtomic(h.path, buf.Bytes())
	}
	if err != nil {
		h.dirty.Store(true)
		return fmt.Errorf("%s %q: save its state to %s: %w", h.label, h.name, h.path, err)
	}
	return nil
}

// retire stops a removed sandbox's server at once; it is never saved again.
func (h *simHost) retire() {
	h.server.Close()
	h.saveMu.Lock()
	h.removed = true
	h.saveMu.Unlock()
}

// loadState reads a sandbox's saved state with load. When there is none,
// or it cannot be read, it returns the zero value and says why (moving a
// damaged file aside); the caller then starts a freshly seeded one.
func loadState[S any](h *simHost, load func(io.Reader) (S, error)) (S, error) {
	var zero S
	f, err := os.Open(h.path)
	if errors.Is(err, os.ErrNotExist) {
		return zero, fmt.Errorf("%s %q: its saved state %s is missing; started a freshly seeded one (earlier changes are gone)", h.label, h.name, h.path)
	}
	if err != nil {
		return zero, fmt.Errorf("%s %q: read its saved state: %w; started a freshly seeded one", h.label, h.name, err)
	}
	st, err := load(f)
	f.Close()
	if err == nil {
		return st, nil
	}
	aside := h.path + ".damaged"
	if rerr := os.Rename(h.path, aside); rerr != nil {
		return zero, fmt.Errorf("%s %q: its saved state %s is damaged (%v) and could not be moved aside (%v); started a freshly seeded one", h.label, h.name, h.path, err, rerr)
	}
	return zero, fmt.Errorf("%s %q: its saved state %s is damaged (%v); kept it as %s and started a freshly seeded one", h.label, h.name, h.path, err, aside)
}

// removeStateFiles deletes a sandbox's state file, its damaged copy and
// the temp files of a save a crash cut off.
func removeStateFiles(label, name, path string) error {
	leftovers, _ := filepath.Glob(path + ".tmp-*")
	var errs []error
	for _, p := range append([]string{path, path + ".damaged"}, leftovers...) {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s %q: delete %s: %w", label, name, p, err))
		}
	}
	return errors.Join(errs...)
}

// simulated is a running sandbox of one kind (*sandbox, *kfSandbox).
type simulated interface{ host() *simHost }

// simSet holds the sandboxes of one kind running in this engine, and
// saves the ones that changed periodically.
type simSet[T simulated] struct {
	ops sync.Mutex // serialises create, start, stop and remove

	mu        sync.Mutex   // guards the fields below
	running   map[string]T // by account id
	stopSaver context.CancelFunc
	saverDone chan struct{}

	every time.Duration // the periodic save's interval (tests shorten it)
}

func newSimSet[T simulated]() *simSet[T] {
	return &simSet[T]{running: map[string]T{}, every: sandboxSaveInterval}
}

// get returns the running sandbox of an account (the zero T, nil, if none).
func (s *simSet[T]) get(accountID string) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[accountID]
}

func (s *simSet[T]) list() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]T, 0, len(s.running))
	for _, sb := range s.running {
		out = append(out, sb)
	}
	return out
}

// add registers a running sandbox and makes sure the periodic saver runs.
func (s *simSet[T]) add(sb T, log *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[sb.host().accountID] = sb
	if s.stopSaver != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopSaver, s.saverDone = cancel, make(chan struct{})
	go s.saveLoop(ctx, s.saverDone, s.every, log)
}

// saveLoop saves the sandboxes that changed, at every tick.
func (s *simSet[T]) saveLoop(ctx context.Context, done chan struct{}, every time.Duration, log *slog.Logger) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, sb := range s.list() {
			if h := sb.host(); h.dirty.Load() {
				if err := h.save(); err != nil {
					log.Error("periodic save of a "+h.label, "account", h.name, "err", err)
				}
			}
		}
	}
}

// stopAll stops the periodic saver, then shuts every sandbox's server down
// (in-flight requests get until ctx ends) and saves its state.
func (s *simSet[T]) stopAll(ctx context.Context, log *slog.Logger) error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	cancel, done := s.stopSaver, s.saverDone
	s.stopSaver, s.saverDone = nil, nil
	list := s.running
	s.running = map[string]T{}
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	var errs []error
	for _, sb := range list {
		h := sb.host()
		if err := h.server.Shutdown(ctx); err != nil {
			h.server.Close()
		}
		if err := h.save(); err != nil {
			log.Error("save a "+h.label, "account", h.name, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remove stops an account's sandbox, if running, for good (the caller
// holds ops).
func (s *simSet[T]) remove(accountID string) {
	s.mu.Lock()
	sb, ok := s.running[accountID]
	delete(s.running, accountID)
	s.mu.Unlock()
	if ok {
		sb.host().retire()
	}
}

// writeFileAtomic replaces path with data (mode 0600): a temp file in the
// same directory, synced, then renamed over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable where the OS allows
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
