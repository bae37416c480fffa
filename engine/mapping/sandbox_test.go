package mapping

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Hostile templates fail their field with a clear *LimitError and leave the
// process up (each of these would otherwise build gigabytes or run on).
func TestSandboxStopsHostileTemplates(t *testing.T) {
	env := Env{Trigger: map[string]any{"s": strings.Repeat("x", 3000), "n": 999}}
	for _, tc := range []struct{ src, bound string }{
		{`{{ reduce(1..40, #acc + #acc, "x") }}`, "text"},                                   // doubling text: 2^40 bytes
		{`{{ reduce(1..60, #acc + #acc, trigger.s) }}`, "text"},                             // the same from event data
		{`{{ replace(trigger.s, "", trigger.s) }}`, "text"},                                 // a quadratic replace
		{`{{ reduce(1..30, replace(#acc, "x", "xx"), "x") }}`, "text"},                      // a doubling replace
		{`{{ reduce(1..50, concat(#acc, #acc), [1]) }}`, "memory"},                          // doubling lists
		{`{{ len(map(1..999, map(1..trigger.n, #))) }}`, "memory"},                          // nested ranges
		{`{{ len(map(trigger.list, map(trigger.list, map(trigger.list, #)))) }}`, "memory"}, // nested over event data
		{`{{ reduce(1..400000, #acc + "y", "") }}`, "text"},                                 // a quadratic build, also slow
	} {
		tpl, err := Parse(tc.src)
		if err != nil {
			t.Errorf("%s: compile: %v", tc.src, err)
			continue
		}
		e := env
		if strings.Contains(tc.src, "trigger.list") {
			list := make([]any, 200)
			for i := range list {
				list[i] = i
			}
			e = Env{Trigger: map[string]any{"list": list}}
		}
		fields := Fields{"department": tpl}
		start := time.Now()
		_, err = fields.Eval(e)
		var le *LimitError
		var fe *FieldError
		bound := tc.bound
		if raceEnabled && errors.As(err, &le) && le.Bound == "time" {
			bound = "time" // slowed down by the race detector: stopped by the clock first, as bounded
		}
		if !errors.As(err, &le) || le.Bound != bound || !errors.As(err, &fe) || fe.Field != "department" {
			t.Errorf("%s: %v; want a %s limit naming the field", tc.src, err, tc.bound)
			continue
		}
		if d := time.Since(start); d > 3*EvalTimeout {
			t.Errorf("%s: took %s", tc.src, d)
		}
		if !strings.Contains(err.Error(), "department:") || !strings.Contains(err.Error(), "simplify") {
			t.Errorf("message: %v", err)
		}
	}
}

// A template that loops on for longer than its time budget is stopped.
func TestSandboxTimeBudget(t *testing.T) {
	// Each step is slow (a match over 64 KiB) and charges nothing: only
	// the clock can stop it.
	tpl, err := Parse(`{{ count(1..450000, trigger.s matches "(x|y)*z") }}`)
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Trigger: map[string]any{"s": strings.Repeat("x", 64<<10)}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = tpl.EvalContext(ctx, env)
	var le *LimitError
	if !errors.As(err, &le) || le.Bound != "time" {
		t.Fatalf("got %v; want a time limit", err)
	}
}

// Import and save refuse what can only fail: constants beyond the bounds.
func TestSandboxRefusesUnboundedLiterals(t *testing.T) {
	for _, src := range []string{
		`{{ repeat("x", 10000000000) }}`,
		`{{ repeat("x", 1e10) }}`,
		`{{ repeat("abcdefghij", 200000) }}`,
		`{{ len(1..10000000000) }}`,
		`{{ len(map(1..100000, map(1..100000, #))) }}`,
		`{{ map(1..5000, repeat("x", 5000)) }}`,
	} {
		_, err := Parse(src)
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "at most") {
			t.Errorf("%s: %v; want a compile error naming the limit", src, err)
		}
	}
	for _, src := range []string{`{{ repeat("-", 20) }}`, `{{ map(1..10, # * 2) }}`, `{{ trigger.a + trigger.b }}`, `{{ 1 + 2 }}`} {
		if _, err := Parse(src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

// Ordinary templates are unchanged by the sandbox: + still adds numbers,
// joins text, and replace works.
func TestSandboxKeepsOrdinaryTemplates(t *testing.T) {
	env := Env{Trigger: map[string]any{"a": int64(2), "b": 3.5, "first": "Ada", "last": "Lovelace"}}
	for src, want := range map[string]any{
		`{{ trigger.a + 1 }}`:                                    3,
		`{{ trigger.a + trigger.b }}`:                            5.5,
		`{{ lower(trigger.first) + "." + lower(trigger.last) }}`: "ada.lovelace",
		`{{ replace(trigger.first, "a", "4") }}`:                 "Ad4",
		`{{ replace(trigger.last, "e", "E", 1) }}`:               "LovElace",
		`{{ join(["a", "b"], "-") }}`:                            "a-b",
		`{{ toJSON({"a": 1}) }}`:                                 "{\n  \"a\": 1\n}",
		`{{ string(5) + "!" }}`:                                  "5!",
		`{{ repeat("-", 3) }}`:                                   "---",
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := tpl.Eval(env)
		if err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %#v", src, got, err, want)
		}
	}
}
