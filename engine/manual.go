package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// RunNow queues a run of an integration with the given event (a manual
// trigger, or "Run now"). It works while the integration is OFF.
func (e *Engine) RunNow(id string, event map[string]any) (storage.RunID, error) {
	raw, err := json.Marshal(event)
	if err != nil {
		return 0, fmt.Errorf("the event cannot be encoded as JSON: %w", err)
	}
	res, err := e.store.EnqueueEvents(id, []storage.NewEvent{{Payload: raw}}, storage.EnqueueOptions{AllowOff: true})
	if err != nil {
		return 0, err
	}
	e.afterEnqueue(res)
	return res[0].RunID, nil
}

// RetryRun puts a failed or cancelled run back in the queue; the steps that
// succeeded are not repeated.
func (e *Engine) RetryRun(id storage.RunID) (storage.Run, error) {
	r, err := e.store.RequeueRun(id)
	if err != nil {
		return storage.Run{}, err
	}
	e.publishRun(r)
	e.sched.kick()
	return r, nil
}

// NoSampleError: a trigger whose events arrive (a webhook, manual) has no
// event to give as a sample until it has been called once. Each front end
// says how to give one there (the CLI: --event FILE; the app: ctrl+e).
type NoSampleError struct {
	TriggerType string
}

func (e *NoSampleError) Error() string {
	return fmt.Sprintf("a %s trigger has no sample until it has been called once", e.TriggerType)
}

// Sample returns a recent event of an integration's trigger without moving
// its cursor: a poll trigger fetches one; a webhook or manual trigger gives
// the event of its latest run.
func (e *Engine) Sample(ctx context.Context, in storage.Integration) (map[string]any, error) {
	spec, ok := trigger.Lookup(in.Trigger.Type)
	if !ok {
		return nil, fmt.Errorf("unknown trigger type %q", in.Trigger.Type)
	}
	if err := e.sourceError(in.Trigger); err != nil {
		return nil, err
	}
	if spec.Push {
		if in.ID != "" {
			runs, err := e.store.ListRuns(storage.RunQuery{IntegrationID: in.ID, Limit: 1})
			if err != nil {
				return nil, fmt.Errorf("read the latest run for a sample: %w", err)
			}
			if len(runs) > 0 {
				if ev, err := mapping.DecodeJSONObject(runs[0].Event); err == nil {
					return ev, nil
				}
			}
		}
		return nil, &NoSampleError{TriggerType: in.Trigger.Type}
	}
	t := in.Trigger // a draft's CSV path as typed: the file in the feeds folder
	t.Config = maps.Clone(t.Config)
	e.fullFeedPath(&t)
	poller, err := trigger.NewPoller(t.Type, triggerConfig(t), e.triggerDeps())
	if err != nil {
		return nil, err
	}
	ev, err := poller.Sample(ctx)
	if err != nil {
		return nil, err
	}
	return ev.Data, nil
}

// StepOutcome is what a test run of one step did.
type StepOutcome struct {
	StepID   string             `json:"step"`
	Action   string             `json:"action"`
	Input    map[string]any     `json:"input,omitempty"`
	Output   map[string]any     `json:"output,omitempty"`
	Error    *storage.StepError `json:"error,omitempty"`
	Duration time.Duration      `json:"durationNs"`
	// Deferred (a preview only) lists the fields whose values wait for an
	// earlier step's output, with the paths they read ("steps.find.id"): a
	// preview cannot know them, a test run does. Such a field is not an
	// Error; Error holds only the step's real problems.
	Deferred map[string][]string `json:"deferred,omitempty"`
}

// Preview resolves each step's fields against an event without calling Okta
// (earlier steps' outputs are unknown, so fields that read them show as
// missing). It is what "Preview" shows before a real test.
func (e *Engine) Preview(in storage.Integration, event map[string]any) []StepOutcome {
	event = mapping.ExactEvent(event) // numbers exact, whatever the caller decoded them as
	var out []StepOutcome
	var earlier []string
	for _, st := range in.Steps {
		o := StepOutcome{StepID: st.ID, Action: st.Action}
		fields, err := mapping.CompileFields(st.Fields, earlier, nil)
		if err == nil {
			var input map[string]any
			input, err = fields.Eval(mapping.Env{Trigger: event, Steps: map[string]any{}})
			if err == nil {
				input = withStepSecrets(st, input)
			}
			if act, ok := action.Lookup(st.Action); ok && input != nil {
				if err == nil {
					input, err = action.ConvertInput(act, e.stepSchema(act, st), input)
				}
				o.Input = redact(act, input)
			}
		}
		if err != nil {
			o.Error = &storage.StepError{Message: err.Error()}
		}
		out = append(out, o)
		earlier = append(earlier, st.ID)
	}
	return out
}

// previewTyped is Preview with every field resolved on its own: a field
// that reads an earlier step's output is Deferred rather than an error, a
// field that fails for another reason (a value the event lacks, a template
// that does not compile) is in Error, and the rest are in Input.
func (e *Engine) previewTyped(in storage.Integration, event map[string]any) []StepOutcome {
	event = mapping.ExactEvent(event) // numbers exact, whatever the caller decoded them as
	out := make([]StepOutcome, 0, len(in.Steps))
	var earlier []string
	env := mapping.Env{Trigger: event, Steps: map[string]any{}}
	for _, st := range in.Steps {
		o := StepOutcome{StepID: st.ID, Action: st.Action}
		fields, err := mapping.CompileFields(st.Fields, earlier, nil)
		var problems []string
		broken := map[string]bool{}
		for _, p := range unjoin(err) {
			var fe *mapping.FieldError
			if errors.As(p, &fe) {
				broken[fe.Field] = true
			}
			if p != nil {
				problems = append(problems, p.Error())
			}
		}
		input := map[string]any{}
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if broken[name] {
				continue
			}
			v, err := fields[name].Eval(env)
			paths, deferred := mapping.Deferred(err)
			switch {
			case deferred:
				if o.Deferred == nil {
					o.Deferred = map[string][]string{}
				}
				o.Deferred[name] = paths
			case err != nil:
				problems = append(problems, name+": "+err.Error())
			default:
				input[name] = v
			}
		}
		if act, ok := action.Lookup(st.Action); ok {
			// Types and required fields are checked before a real test.
			schema := e.stepSchema(act, st)
			converted, err := action.ConvertInput(act, schema, withStepSecrets(st, input))
			for _, p := range unjoin(errors.Join(err, action.MissingRequired(act, schema, converted))) {
				if p != nil {
					problems = append(problems, p.Error())
				}
			}
			if len(converted) > 0 {
				o.Input = redact(act, converted)
			}
		}
		if len(problems) > 0 {
			o.Error = &storage.StepError{Message: strings.Join(problems, "\n")}
		}
		out = append(out, o)
		earlier = append(earlier, st.ID)
	}
	return out
}

// TestIntegration runs an integration's steps once on an event, for real
// against Okta, and returns each step's outcome, stopping at the first
// failure. It creates no run and moves no cursor.
func (e *Engine) TestIntegration(ctx context.Context, in storage.Integration, event map[string]any) ([]StepOutcome, error) {
	event = mapping.ExactEvent(event) // numbers exact, whatever the caller decoded them as
	if err := e.ValidateIntegration(in); err != nil {
		var ps Problems
		if !errors.As(err, &ps) {
			return nil, err
		}
		return nil, fmt.Errorf("fix these first:\n%w", err)
	}
	env := mapping.Env{Trigger: event, Steps: map[string]any{}}
	var out []StepOutcome
	var earlier []string
	for _, st := range in.Steps {
		started := time.Now()
		res, rec, err := e.runStep(ctx, action.NewEvent(in.Trigger, event), st, earlier, env)
		o := StepOutcome{StepID: st.ID, Action: st.Action, Input: rec.Input, Output: res, Duration: time.Since(started)}
		if err != nil {
			o.Error = stepError(err)
			out = append(out, o)
			return out, nil
		}
		out = append(out, o)
		env.Steps[st.ID] = res
		earlier = append(earlier, st.ID)
	}
	return out, nil
}

// ReadOnlyAction reports whether an action only reads (a test of it
// changes nothing); the action says so in its Traits. An unknown action is
// taken as one that changes things.
func ReadOnlyAction(id string) bool {
	act, ok := action.Lookup(id)
	return ok && act.Traits().ReadOnly
}

// ReadOnlyIntegration reports whether every step of an integration only
// reads (a test of it changes nothing in the org).
func ReadOnlyIntegration(in storage.Integration) bool {
	return !slices.ContainsFunc(in.Steps, func(st storage.Step) bool { return !ReadOnlyAction(st.Action) })
}
