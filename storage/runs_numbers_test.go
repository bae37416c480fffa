package storage

import (
	"encoding/json"
	"strings"
	"testing"
)

// A step's input keeps its numbers digit for digit: an employee number or
// an id beyond 2⁵³ read back from the store is not rounded (run show and
// --json print what the step was given).
func TestStepInputNumbersAreExact(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	id := enqueue(t, s, in.ID, "n")[0]
	if _, err := s.StartRun(id); err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"employeeNumber": json.Number("12345678901234567891"), "ratio": json.Number("0.1000000000000000055511151231257827")}
	if err := s.SaveStep(id, StepResult{StepID: "create", Succeeded: true, Input: input}); err != nil {
		t.Fatal(err)
	}
	run, err := s.Run(id)
	if err != nil || len(run.Steps) != 1 {
		t.Fatalf("run %+v %v", run, err)
	}
	raw, _ := json.Marshal(run.Steps[0].Input)
	for _, want := range []string{"12345678901234567891", "0.1000000000000000055511151231257827"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the step's input read back is %s; want %s in it", raw, want)
		}
	}
}

// A run record with data after its JSON is damaged, as json.Unmarshal
// would say.
func TestARunRecordWithTrailingDataIsDamaged(t *testing.T) {
	if _, err := decodeRun(runKey(7), []byte(`{"id":7,"state":"queued"} {"x":1}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
	if r, err := decodeRun(runKey(7), []byte("{\"id\":7,\"state\":\"queued\"}\n")); err != nil || r.ID != 7 {
		t.Fatalf("a good record: %+v %v", r, err)
	}
}
