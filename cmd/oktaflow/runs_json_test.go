package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// TestRunShowKeepsNumbersExact: run show prints the event and each step's
// output with every digit as stored: an id beyond float64's 53 bits, a
// decimal's trailing zero, an exponent; never 12345678901234567000.
func TestRunShowKeepsNumbersExact(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := storage.Run{
		ID: 7, IntegrationID: "int_x", State: storage.RunSucceeded, Attempt: 1, CreatedAt: start, FinishedAt: start.Add(time.Second),
		Event: json.RawMessage(`{"employee":{"id":98765432109876543210}}`),
		Steps: []storage.StepResult{{
			StepID: "get", Succeeded: true, StartedAt: start, FinishedAt: start.Add(time.Second),
			Output: json.RawMessage(`{"id":12345678901234567890,"price":1.50,"tiny":1e-400,"list":[9007199254740993]}`),
		}},
	}
	var out bytes.Buffer
	if err := printRun(&out, r, 0, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"98765432109876543210", `"id": 12345678901234567890`, `"price": 1.50`, `"tiny": 1e-400`, "9007199254740993"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run show lost %s:\n%s", want, out.String())
		}
	}
	// still indented, one field a line, under the step
	if !strings.Contains(out.String(), "  Output\n    {\n      \"id\": 12345678901234567890,\n") {
		t.Errorf("the output is not indented under its step:\n%s", out.String())
	}
	// what is not JSON is shown as it is
	if got := indentJSON(json.RawMessage("not json")); got != "not json" {
		t.Errorf("indentJSON(not json) = %q", got)
	}
}
