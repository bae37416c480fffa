package storage

import (
	"bytes"
	"encoding/json"
	"time"
)

// Attempt is one try at a run, kept in the run's history so that a retried
// run shows what each try did: which version of its integration it ran,
// when, how it ended, and the error and step that ended it.
//
// N numbers the tries of a run from 1 and never starts over: a user's retry
// (RequeueRun) gives the run a fresh budget (Run.Attempt), but its next try
// is still N+1. A rate-limit wait gives its attempt back to the budget; it
// is kept here all the same, ended as AttemptWaiting.
type Attempt struct {
	N          int        `json:"n"`
	Version    int        `json:"version"` // the integration's Version when the attempt started
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt time.Time  `json:"finishedAt,omitzero"` // zero while it runs
	End        AttemptEnd `json:"end,omitempty"`       // "" while it runs
	Step       string     `json:"step,omitempty"`      // the step it ended on, when one failed or was cut off
	Error      *StepError `json:"error,omitempty"`
}

// AttemptEnd is how an attempt ended.
type AttemptEnd string

// Attempt ends.
const (
	AttemptSucceeded   AttemptEnd = "succeeded"
	AttemptFailed      AttemptEnd = "failed"
	AttemptRetrying    AttemptEnd = "retrying"    // a transient failure: the run tries again
	AttemptWaiting     AttemptEnd = "waiting"     // an Okta rate limit: the run waits, the attempt given back
	AttemptCancelled   AttemptEnd = "cancelled"   // its integration was switched OFF or deleted meanwhile
	AttemptInterrupted AttemptEnd = "interrupted" // the process stopped (a crash or kill) while it ran
)

// MaxAttemptsKept bounds a run's history: a run retried by hand again and
// again keeps its latest attempts (N says how many came before).
const MaxAttemptsKept = 20

// OnStep says which step the attempt ended on (a failed step).
func (o Outcome) OnStep(stepID string) Outcome {
	o.Step = stepID
	return o
}

// beginAttempt opens the next attempt of r, running version of its
// integration.
func (r *Run) beginAttempt(version int, now time.Time) {
	n := 1
	if len(r.Attempts) > 0 {
		n = r.Attempts[len(r.Attempts)-1].N + 1
	}
	r.Version = version
	r.Attempts = append(r.Attempts, Attempt{N: n, Version: version, StartedAt: now})
	if over := len(r.Attempts) - MaxAttemptsKept; over > 0 {
		r.Attempts = append([]Attempt(nil), r.Attempts[over:]...)
	}
}

// endAttempt closes r's open attempt, if it has one (runs stored before
// attempts were kept have none).
func (r *Run) endAttempt(end AttemptEnd, step string, cause *StepError, now time.Time) {
	if len(r.Attempts) == 0 {
		return
	}
	a := &r.Attempts[len(r.Attempts)-1]
	if a.End != "" {
		return
	}
	a.End, a.Step, a.Error, a.FinishedAt = end, step, cause, now
}

// definition is what Integration.Version counts changes of, in a form that
// compares by value: JSON (map keys sorted, 5 and 5.0 alike) with the
// secrets in clear, which Integration's own JSON leaves out.
type definition struct {
	Name, Description string
	Trigger           Trigger
	TriggerSecrets    map[string]string
	Steps             []Step
	StepSecrets       []map[string]string
	Concurrency       int
}

func reveal(m map[string]Secret) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !v.IsZero() {
			out[k] = v.Reveal()
		}
	}
	return out
}

func definitionOf(in Integration) []byte {
	d := definition{Name: in.Name, Description: in.Description, Trigger: in.Trigger,
		TriggerSecrets: reveal(in.Trigger.Secrets), Steps: in.Steps, Concurrency: in.Concurrency}
	for _, st := range in.Steps {
		d.StepSecrets = append(d.StepSecrets, reveal(st.Secrets))
	}
	raw, err := json.Marshal(d)
	if err != nil { // a value JSON cannot hold: the store refuses it later anyway
		return nil
	}
	return raw
}

// sameDefinition reports whether b defines the same integration as a.
func sameDefinition(a, b Integration) bool {
	da, db := definitionOf(a), definitionOf(b)
	return da != nil && bytes.Equal(da, db)
}
