package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// fullDisk is the runner's store with writes failing while full is set, as
// on a full disk: the write is refused and nothing is committed.
type fullDisk struct {
	runWriter
	full    atomic.Bool
	claims  atomic.Bool
	refused atomic.Int32
}

var errDiskFull = errors.New("write oktaflow.db: no space left on device")

func (d *fullDisk) check() error {
	if d.full.Load() {
		d.refused.Add(1)
		return errDiskFull
	}
	return nil
}

// claims makes claims fail too while full is set (off by default: the
// first test wants its step to run).
func (d *fullDisk) StartRun(id storage.RunID) (storage.Run, error) {
	if d.claims.Load() {
		if err := d.check(); err != nil {
			return storage.Run{}, err
		}
	}
	return d.runWriter.StartRun(id)
}

func (d *fullDisk) SaveStep(id storage.RunID, res storage.StepResult) error {
	if err := d.check(); err != nil {
		return err
	}
	return d.runWriter.SaveStep(id, res)
}

func (d *fullDisk) FinishRun(id storage.RunID, o storage.Outcome) (storage.Run, error) {
	if err := d.check(); err != nil {
		return storage.Run{}, err
	}
	return d.runWriter.FinishRun(id, o)
}

func (d *fullDisk) FinishRunWithStep(id storage.RunID, step storage.StepResult, o storage.Outcome) (storage.Run, error) {
	if err := d.check(); err != nil {
		return storage.Run{}, err
	}
	return d.runWriter.FinishRunWithStep(id, step, o)
}

// TestCheckpointIsRetriedWhenTheStoreIsWritableAgain: a step that acted on
// Okta but could not be checkpointed (disk full) is saved once the disk has
// room again, in the same process: the run finishes, the user exists once,
// and the trouble showed in /healthz meanwhile.
func TestCheckpointIsRetriedWhenTheStoreIsWritableAgain(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	disk := &fullDisk{runWriter: h.e.runs}
	h.e.runs = disk
	disk.full.Store(true)
	in := h.importOn(onboarding)
	h.start()
	_, a := h.post(in.ID, hookSecret, person(1))
	waitUntil(t, func() bool { return disk.refused.Load() >= 3 }) // the user was created; its checkpoint keeps failing
	if _, ok := h.sim.UserByLogin("user1@acme.com"); !ok {
		t.Fatal("the step did not run")
	}
	var health struct {
		Status string
		Store  struct{ Error string }
	}
	getJSONBody(t, h.http.URL+"/healthz", &health)
	if health.Status != "degraded" || !strings.Contains(health.Store.Error, "no space left") {
		t.Fatalf("/healthz while the disk is full: %+v", health)
	}
	if m := getBody(t, h.http.URL+"/metrics"); !strings.Contains(m, `oktaflow_store_write_failures_total{op="finish run"}`) {
		t.Fatal("metrics lack the store write failures")
	}

	disk.full.Store(false)
	h.waitRuns()
	r, _ := h.store.Run(a.Runs[0])
	if r.State != storage.RunSucceeded || r.Attempt != 1 || len(r.Steps) != 1 || !r.Steps[0].Succeeded {
		t.Fatalf("run after the disk has room: %s attempt %d steps %+v", r.State, r.Attempt, r.Steps)
	}
	n := 0
	for _, u := range h.sim.Users() {
		if strings.EqualFold(u.Login, "user1@acme.com") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("user1 exists %d times, want once", n)
	}
	waitUntil(t, func() bool { // the writer notes that writes work just after the run's last one
		getJSONBody(t, h.http.URL+"/healthz", &health)
		return health.Status == "ok"
	})
}

// TestRefusedClaimIsRetriedSoon: runs whose claim the store refused start
// once it has room, without waiting for another event to wake the scheduler.
func TestRefusedClaimIsRetriedSoon(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	disk := &fullDisk{runWriter: h.e.runs}
	h.e.runs = disk
	disk.full.Store(true)
	disk.claims.Store(true)
	in := h.importOn(onboarding)
	h.start()
	_, a := h.post(in.ID, hookSecret, person(1))
	waitUntil(t, func() bool { return disk.refused.Load() >= 1 })
	// The claim is refused before the scheduler notes it: wait for the note
	// (waitUntil fails the test if it never comes).
	waitUntil(t, func() bool { return h.e.StoreHealth().Failing })
	disk.full.Store(false)
	h.waitRuns()
	if r, _ := h.store.Run(a.Runs[0]); r.State != storage.RunSucceeded {
		t.Fatalf("run %s", r.State)
	}
	// The run's last write lands before the writer notes that writes work
	// again: wait for the note rather than race it.
	waitUntil(t, func() bool { return !h.e.StoreHealth().Failing })
}

func TestAPanickingStepFailsItsRunNotTheProcess(t *testing.T) {
	out, err := guard("create", func() (map[string]any, error) {
		var m map[string]any
		m["x"] = 1 // assignment to a nil map
		return m, nil
	})
	if out != nil || err == nil || !strings.Contains(err.Error(), "step create crashed") || classify(err) != failPermanent {
		t.Fatalf("guard: %v %v (kind %v)", out, err, classify(err))
	}
	out, err = guard("ok", func() (map[string]any, error) { return map[string]any{"a": 1}, nil })
	if err != nil || out["a"] != 1 {
		t.Fatalf("guard passes results through: %v %v", out, err)
	}
}

// TestPoisonRunIsFailedAtStart: a run that was cut off on the same step by
// crash after crash is failed at start-up, naming the step, instead of
// being run again (and crashing the service again).
func TestPoisonRunIsFailedAtStart(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	_, a := h.post(in.ID, hookSecret, person(1))
	id := a.Runs[0]
	for range storage.PoisonLimit - 1 { // earlier lives of the process, each killed while running the step
		if _, err := h.store.StartRun(id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.RecoverInterrupted(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.StartRun(id); err != nil { // the last one
		t.Fatal(err)
	}
	h.start()
	h.waitRuns()
	r, _ := h.store.Run(id)
	if r.State != storage.RunFailed || r.Error == nil || !strings.Contains(r.Error.Message, "while running step create") {
		t.Fatalf("poison run: %s %+v", r.State, r.Error)
	}
	if _, ok := h.sim.UserByLogin("user1@acme.com"); ok {
		t.Fatal("the poison run ran again")
	}
	if m := getBody(t, h.http.URL+"/metrics"); !strings.Contains(m, "oktaflow_runs_poisoned_total 1") {
		t.Fatal("metrics do not count the poison run")
	}
}

// TestRunKeepsExactNumbersToOkta: a 23-digit number in the event reaches
// Okta digit for digit through a mapping.
func TestRunKeepsExactNumbersToOkta(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(strings.Replace(onboarding, `"login": "{{ trigger.email }}"}`, `"login": "{{ trigger.email }}", "employeeNumber": "{{ string(trigger.employee) }}"}`, 1))
	h.start()
	_, a := h.post(in.ID, hookSecret, []byte(`{"first_name":"Big","last_name":"Number","email":"big@acme.com","employee":12345678901234567890123}`))
	if len(a.Runs) != 1 {
		t.Fatalf("answer %+v", a)
	}
	h.waitRuns()
	if r, _ := h.store.Run(a.Runs[0]); r.State != storage.RunSucceeded {
		t.Fatalf("run %s %+v", r.State, r.Error)
	}
	u, ok := h.sim.UserByLogin("big@acme.com")
	if !ok || fmt.Sprint(u.Profile["employeeNumber"]) != "12345678901234567890123" {
		t.Fatalf("employeeNumber %v", u.Profile["employeeNumber"])
	}
}
