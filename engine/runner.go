package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// Retry policy for transient failures (network, 5xx, timeouts).
const (
	MaxAttempts  = 8
	baseBackoff  = time.Second
	maxBackoff   = 5 * time.Minute
	stepTimeout  = 2 * time.Minute
	rateLimitPad = time.Second // wait this much past a reset the client could not tell
)

// Backoff is the delay before attempt n+1 after n failed attempts:
// 1 s·2ⁿ⁻¹ ±10 %, at most 5 min.
func Backoff(n int) time.Duration {
	d := baseBackoff << min(max(n-1, 0), 20)
	d = min(d, maxBackoff)
	jitter := 0.9 + 0.2*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// execute runs the steps of a claimed run, checkpointing each, and moves
// the run to its next state. It is the only code that acts on Okta for a
// run; every store write is one short transaction after the network call,
// and a write the store refuses is made again in process until it commits
// (durably): a step that acted is never left unrecorded while the process
// lives.
//
// claimTook is how long claiming the run took: with the checkpoints and
// the finish, it is the run's time off Okta, which the scheduler sizes
// concurrency with.
func (e *Engine) execute(ctx context.Context, r storage.Run, in storage.Integration, claimTook time.Duration) {
	begun, stepping := time.Now(), time.Duration(0)
	defer func() { e.sched.offOkta.observe(claimTook + time.Since(begun) - stepping) }()
	// Exact numbers (mapping.DecodeJSON): a 20-digit id in the event reaches
	// Okta as those digits, never rounded through float64.
	event, err := mapping.DecodeJSON(r.Event)
	if err != nil {
		e.endAttempt(ctx, r, nil, storage.Outcome{State: storage.RunFailed, Cause: &storage.StepError{Message: "the event is not valid JSON: " + err.Error()}})
		return
	}
	env := mapping.Env{Trigger: event, Steps: map[string]any{}}
	var earlier []string
	for i, st := range in.Steps {
		if res, ok := r.Step(st.ID); ok && res.Succeeded {
			out, _ := mapping.DecodeJSON(res.Output)
			env.Steps[st.ID] = out
			earlier = append(earlier, st.ID)
			continue
		}
		ev := action.NewEvent(in.Trigger, event)
		ev.RunID = in.ID + "/run-" + r.ID.String()
		stepBegun := time.Now()
		out, res, err := e.runStep(ctx, ev, st, earlier, env)
		stepping += time.Since(stepBegun)
		var checkpoint *storage.StepResult
		if res.StepID != "" {
			checkpoint = &res
		}
		if err != nil {
			// The failed step's result and what becomes of the run: one commit.
			e.endAttempt(ctx, r, checkpoint, e.afterFailure(ctx, r, st, err).OnStep(st.ID))
			return
		}
		if i == len(in.Steps)-1 {
			// The last step's checkpoint and the run's success: one commit.
			e.endAttempt(ctx, r, checkpoint, storage.Outcome{State: storage.RunSucceeded})
			return
		}
		if checkpoint != nil {
			if _, serr := durably(ctx, e, "checkpoint step", func() (struct{}, error) { return struct{}{}, e.runs.SaveStep(r.ID, res) }); serr != nil {
				// Shutting down with the store still refusing, or the run is no
				// longer running: recovery at the next start takes it from its
				// last committed state.
				e.log.Error("checkpoint step", "run", r.ID, "step", st.ID, "err", serr)
				return
			}
		}
		env.Steps[st.ID] = out
		earlier = append(earlier, st.ID)
	}
	// Every step had succeeded before this attempt (or there are none).
	e.endAttempt(ctx, r, nil, storage.Outcome{State: storage.RunSucceeded})
}

// endAttempt ends a running run's attempt as o says, with the checkpoint of
// the step it ended on (nil: none to save), in one commit, and tells
// subscribers.
func (e *Engine) endAttempt(ctx context.Context, r storage.Run, step *storage.StepResult, o storage.Outcome) {
	next, err := durably(ctx, e, "finish run", func() (storage.Run, error) {
		if step != nil {
			return e.runs.FinishRunWithStep(r.ID, *step, o)
		}
		return e.runs.FinishRun(r.ID, o)
	})
	if err != nil {
		e.log.Error("finish run", "run", r.ID, "state", o.State, "err", err)
		return
	}
	e.publishRun(next)
}

// runStep resolves one step's fields and runs its action. res is the
// checkpoint to save (empty when the step never reached Okta). ev says what
// the event is (a Kissflow item) and which run it started.
func (e *Engine) runStep(ctx context.Context, ev action.Event, st storage.Step, earlier []string, env mapping.Env) (map[string]any, storage.StepResult, error) {
	act, ok := action.Lookup(st.Action)
	if !ok {
		return nil, storage.StepResult{}, &action.Error{Code: "bad_input", Msg: fmt.Sprintf("unknown action %q", st.Action)}
	}
	fields, err := mapping.CompileFields(st.Fields, earlier, nil)
	if err != nil {
		return nil, storage.StepResult{}, &action.Error{Code: "bad_input", Msg: err.Error()}
	}
	started := e.now().UTC()
	input, err := guard(st.ID, func() (map[string]any, error) { return fields.EvalContext(ctx, env) })
	if err == nil {
		// With the step's sealed values, for this step only; "3" on an integer attribute is 3.
		input, err = action.ConvertInput(act, e.stepSchema(act, st), withStepSecrets(st, input))
	}
	res := storage.StepResult{StepID: st.ID, StartedAt: started, Input: redact(act, input)}
	if err != nil {
		res.FinishedAt = e.now().UTC()
		res.Error = &storage.StepError{Message: err.Error()}
		return nil, res, &action.Error{Code: "bad_input", Msg: err.Error()}
	}
	conn, err := e.stepConn(act, st, ev)
	if err != nil {
		res.FinishedAt = e.now().UTC()
		res.Error = &storage.StepError{Message: err.Error()}
		return nil, res, &action.Error{Code: "bad_input", Msg: fmt.Sprintf("account %q: %v", st.Account, err)}
	}
	stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	out, err := guard(st.ID, func() (map[string]any, error) {
		return act.Run(stepCtx, conn, action.Input{Fields: input, Options: st.Options})
	})
	res.FinishedAt = e.now().UTC()
	if err != nil {
		res.Error = stepError(err)
		return nil, res, err
	}
	raw, merr := json.Marshal(action.RedactOutput(act, out))
	if merr != nil {
		return nil, res, merr
	}
	res.Succeeded, res.Output = true, raw
	return out, res, nil
}

// stepSchema is the user schema a step's fields are typed by: its Okta
// account's (empty for other connectors, or before it was fetched).
func (e *Engine) stepSchema(act action.Action, st storage.Step) storage.UserSchema {
	if act.Traits().Connector != action.ConnectorOkta {
		return storage.UserSchema{}
	}
	return e.schemaFor(st.Account)
}

// stepConn gives a step what its action's connector needs: the client of
// its Okta account, or an HTTP client for a step that needs no account; and
// the event, with a key that is the same on every attempt of the step.
func (e *Engine) stepConn(act action.Action, st storage.Step, ev action.Event) (action.Conn, error) {
	conn := action.Conn{Event: ev}
	if ev.RunID != "" {
		conn.Key = ev.RunID + ":" + st.ID
	}
	switch c := act.Traits().Connector; c {
	case action.ConnectorOkta:
		client, _, err := e.clients.get(st.Account)
		if err != nil {
			return conn, err
		}
		conn.Okta = client
	case action.ConnectorKissflow:
		k, err := e.kissflowAction(st.Account)
		if err != nil {
			return conn, err
		}
		conn.Kissflow = k
	case action.ConnectorNone:
		conn.HTTP = trigger.PolicyClient(stepHTTPClient(), e.opts.AllowPrivateAddresses)
	default:
		return conn, fmt.Errorf("%s names an unknown connector %q", act.ID(), c)
	}
	return conn, nil
}

// guard runs one step's work, turning a panic into a permanent error of
// that step: a bug that a particular event triggers fails its run instead
// of taking the process down (and every restart with it, as a poison run).
func guard(stepID string, work func() (map[string]any, error)) (out map[string]any, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &action.Error{Code: "internal", Msg: fmt.Sprintf("step %s crashed (%v); the run is failed so that the service stays up; please report it with this run's event", stepID, p)}
		}
	}()
	return work()
}

// afterFailure decides what a failed step means for its run: the outcome
// of the attempt.
func (e *Engine) afterFailure(ctx context.Context, r storage.Run, st storage.Step, err error) storage.Outcome {
	se := stepError(err)
	se.Message = fmt.Sprintf("step %s: %s", st.ID, se.Message)
	now := e.now()
	switch kind := classify(err); {
	case ctx.Err() != nil && e.sched.isStopping():
		// Shutting down: put the run back, its attempt unused.
		return storage.Outcome{State: storage.RunWaiting, Due: now, Cause: &storage.StepError{Message: "interrupted by shutdown; resumes at the next start"}}
	case kind == failRateLimited:
		until := now.Add(time.Minute)
		buckets := []string{okta.BucketUsers}
		var rl *okta.RateLimitError
		if errors.As(err, &rl) {
			if !rl.RetryAt.IsZero() {
				until = rl.RetryAt.Add(rateLimitPad)
			}
			if rl.Bucket != "" {
				buckets = []string{rl.Bucket}
			}
		} else if act, ok := action.Lookup(st.Action); ok {
			buckets = act.Buckets() // a bare 429 does not say which bucket
		}
		if a, aerr := e.store.Account(st.Account); aerr == nil {
			for _, b := range buckets {
				e.sched.holdBucket(a.ID, b, until)
			}
		}
		return storage.Outcome{State: storage.RunWaiting, Due: until, Cause: se}
	case kind == failTransient && r.Attempt < MaxAttempts:
		return storage.Outcome{State: storage.RunRetrying, Due: now.Add(Backoff(r.Attempt)), Cause: se}
	}
	return storage.Outcome{State: storage.RunFailed, Cause: se}
}

type failKind int

const (
	failPermanent failKind = iota
	failTransient
	failRateLimited
)

// classify sorts a step failure: Okta 429 → wait for the reset; network
// errors, timeouts and 5xx → retry with backoff; everything else (Okta
// validation, auth and not-found answers, the action's own errors, a
// missing mapped value) fails the run at once.
func classify(err error) failKind {
	var apiErr *okta.APIError
	var netErr net.Error
	switch {
	case okta.IsRateLimited(err):
		return failRateLimited
	case action.IsPermanent(err):
		return failPermanent
	case errors.As(err, &apiErr):
		if apiErr.Status >= 500 {
			return failTransient
		}
		return failPermanent
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return failTransient
	case errors.Is(err, context.Canceled):
		return failTransient
	}
	// Transport failures the client gave up on (connection reset, EOF) end
	// up here: worth another attempt.
	return failTransient
}

// stepError keeps what went wrong, with Okta's error when there was one.
func stepError(err error) *storage.StepError {
	se := &storage.StepError{Message: err.Error()}
	var apiErr *okta.APIError
	if errors.As(err, &apiErr) {
		se.Status, se.Code, se.Summary, se.RequestID = apiErr.Status, apiErr.Code, apiErr.Summary, apiErr.RequestID
		for _, c := range apiErr.Causes {
			se.Causes = append(se.Causes, c.Summary)
		}
	}
	return se
}

// redact masks an action's secret fields (a password) in a stored input.
func redact(act action.Action, input map[string]any) map[string]any {
	return action.RedactInput(act, input)
}

// stepHTTPClient is the client of an http.request step: each request is
// bounded by the step's own timeout (and the step timeout), and at most 5
// redirects are followed.
func stepHTTPClient() *http.Client {
	return &http.Client{
		Timeout: stepTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			return nil
		},
	}
}
