package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// Where a trigger may read from. Whoever may save an integration (an admin,
// maybe over SSH) must not be able to make the server read a file or call an
// address of their choosing:
//
//   - A CSV trigger's path must sit in the feeds folder (Options.FeedsDir,
//     default "feeds" beside the database), checked after resolving "..",
//     and symbolic links as far as the path exists. A relative path is taken
//     inside the feeds folder and saved as the full path.
//   - An http_poll URL to a loopback, link-local, private, shared (CGNAT) or
//     unspecified address, or to "localhost", needs Options.AllowPrivateAddresses.
//     trigger.CheckURLPolicy checks it at save (literal addresses in any
//     notation, names as they resolve now); the trigger's dialer refuses
//     such an address again when it connects.
//   - So does a Kissflow trigger's host and API base URL when it holds its
//     own keys (trigger.CheckKissflowPolicy); every Kissflow client applies
//     the policy when it connects (engine/kissflow.go).
//
// Both are checked wherever a trigger is about to be saved or read: in
// ValidateIntegration (save, import, switch ON, test), before a sample, and
// before every poll (newPolicedPoller), so that an integration that was ON
// before the policy existed is refused too, as a failing trigger.

// FeedsDir is the folder CSV trigger paths must sit in.
func (e *Engine) FeedsDir() string {
	if e.opts.FeedsDir != "" {
		if abs, err := filepath.Abs(e.opts.FeedsDir); err == nil {
			return abs
		}
		return e.opts.FeedsDir
	}
	dir, err := filepath.Abs(filepath.Dir(e.store.Path()))
	if err != nil {
		dir = filepath.Dir(e.store.Path())
	}
	return filepath.Join(dir, "feeds")
}

// checkSources returns the source policy's problems with a trigger.
func (e *Engine) checkSources(t storage.Trigger) []*Problem {
	var ps []*Problem
	switch t.Type {
	case trigger.CSV:
		if p, ok := t.Config["path"].(string); ok && strings.TrimSpace(p) != "" {
			if _, err := e.feedPath(p); err != nil {
				ps = append(ps, &Problem{Path: "trigger.config.path", Msg: err.Error()})
			}
		}
	case trigger.HTTPPoll:
		if u, ok := t.Config["url"].(string); ok && strings.TrimSpace(u) != "" {
			if err := trigger.CheckURLPolicy(context.Background(), strings.TrimSpace(u), e.opts.AllowPrivateAddresses); err != nil {
				ps = append(ps, &Problem{Path: "trigger.config.url", Msg: err.Error()})
			}
		}
	case trigger.Kissflow:
		cfg := trigger.Config{Values: t.Config}
		if field, err := trigger.CheckKissflowPolicy(context.Background(), cfg, e.opts.AllowPrivateAddresses); err != nil {
			ps = append(ps, &Problem{Path: "trigger.config." + field, Msg: err.Error()})
		}
	}
	return ps
}

// sourceError is checkSources as one error (nil when there is no problem).
func (e *Engine) sourceError(t storage.Trigger) error {
	ps := e.checkSources(t)
	if len(ps) == 0 {
		return nil
	}
	return Problems(ps)
}

// SourcePolicyError is a poll the source policy refused: the trigger's
// file or address is not one it may read (an integration switched ON
// before the policy existed, or under another --feeds-dir). It fails the
// poll, so the trigger shows as failing with this reason, and the next
// poll checks again.
type SourcePolicyError struct{ Problems Problems }

func (e *SourcePolicyError) Error() string {
	return "refused by the source policy (fix the trigger's settings, or start oktaflow with the folder or allow setting it needs): " + e.Problems.Error()
}

// policedPoller checks the source policy before every poll of the poller
// it wraps: the poll loops' one way to a poller (newPolicedPoller), so that
// no integration reads a source the policy refuses, whenever it was saved.
type policedPoller struct {
	trigger.Poller
	e *Engine
	t storage.Trigger
}

func (p policedPoller) Poll(ctx context.Context, cursor string, start time.Time) (trigger.Batch, error) {
	if ps := p.e.checkSources(p.t); len(ps) > 0 {
		return trigger.Batch{}, &SourcePolicyError{Problems: ps}
	}
	return p.Poller.Poll(ctx, cursor, start)
}

// newPolicedPoller is trigger.NewPoller for a poll loop, with the source
// policy checked at every poll.
func (e *Engine) newPolicedPoller(t storage.Trigger, cfg trigger.Config, deps trigger.Deps) (trigger.Poller, error) {
	p, err := trigger.NewPoller(t.Type, cfg, deps)
	if err != nil {
		return nil, err
	}
	return policedPoller{Poller: p, e: e, t: t}, nil
}

// feedPath resolves a CSV trigger path and checks that it sits in the feeds
// folder; it returns the full path.
func (e *Engine) feedPath(p string) (string, error) {
	feeds := e.FeedsDir()
	full, outside := FeedPath(feeds, p)
	if outside != nil {
		return "", outside
	}
	// Links: compare the real locations, as far as the path exists.
	realFeeds, err := filepath.EvalSymlinks(feeds)
	if err != nil {
		return full, nil // no feeds folder yet: nothing in it can be a link
	}
	if real, err := evalExisting(full); err != nil || !within(realFeeds, real) {
		return "", outsideFeeds(feeds, p)
	}
	return full, nil
}

// FeedPath is where a CSV trigger's path p points, read as the engine
// reads it (relative: in the feeds folder), or the error saying it lies
// outside the feeds folder. It looks at the text only: the engine also
// follows links at save and at every poll. The app's form checks with it
// as the path is typed.
func FeedPath(feeds, p string) (string, error) {
	full := filepath.Clean(p)
	if !filepath.IsAbs(full) {
		full = filepath.Join(feeds, full)
	}
	if !within(feeds, full) {
		return "", outsideFeeds(feeds, p)
	}
	return full, nil
}

func outsideFeeds(feeds, p string) error {
	return fmt.Errorf("%s is outside the feeds folder %s: put the file (or folder) there, or start oktaflow with --feeds-dir naming the folder that holds it", p, feeds)
}

// evalExisting resolves the links of the longest part of path that exists
// and appends the rest.
func evalExisting(path string) (string, error) {
	rest := ""
	for p := path; ; p = filepath.Dir(p) {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if parent := filepath.Dir(p); parent == p {
			return path, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// within reports whether path is dir or inside it (both clean and absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// harmlessKeys are trigger settings whose change keeps the trigger's
// position: how often and how much it polls, how it authenticates, and
// which items it keeps. Any other change of an ON trigger's settings (its
// type, file, URL, process, account, key column, event types...) is a new
// source, read from now on (saveIntegration): the old position would
// replay the new source's history or skip part of it. A re-baseline skips
// what arrived since the last poll, so these stay out of it.
var harmlessKeys = map[string]bool{
	"poll_interval": true, "full_walk_every": true, "page_size": true, "max_pages": true, "filter": true,
	"headers": true, "authorization": true, "secret_query": true,
}

// sourceChanged reports whether an edit changes where a pull trigger reads from.
func sourceChanged(old, new storage.Trigger) bool {
	if old.Type != new.Type {
		return true
	}
	if spec, ok := trigger.Lookup(new.Type); !ok || spec.Push {
		return false
	}
	for _, cfg := range []map[string]any{old.Config, new.Config} {
		for k := range cfg {
			if !harmlessKeys[k] && !sameSetting(old.Config[k], new.Config[k]) {
				return true
			}
		}
	}
	return false
}

// sameSetting compares two settings as JSON (a form's "50" and a
// document's 50 are different settings; 50 and 50.0 are not).
func sameSetting(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// withPollerStopped runs fn while the integration's poll loop is stopped
// and kept from starting (the pollers' lock is held), so that a poll of the
// old settings cannot commit its cursor after fn reset it. The caller's
// integrationChanged starts the loop again. (A seam into the pollers: it
// stops a loop exactly as pollers.reconcile does.)
func (e *Engine) withPollerStopped(id string, fn func() error) error {
	p := e.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.running[id]; ok {
		l.cancel()
		<-l.done
		delete(p.running, id)
	}
	return fn()
}
