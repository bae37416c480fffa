package mapping

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// Loops inside loops over a list that costs little memory (bound once by
// let, or given by the event) are stopped by the step budget: the
// evaluation fails its field and its goroutine really ends, instead of
// spinning on after the caller gave up (each preview keystroke would add
// one).
func TestSandboxStopsNestedLoopsAndTheirGoroutine(t *testing.T) {
	xs := make([]any, 600)
	for i := range xs {
		xs[i] = i + 1
	}
	env := Env{Trigger: map[string]any{"xs": xs}}
	for _, src := range []string{
		`{{ let a = 1..600; all(a, all(a, all(a, all(a, # > 0)))) }}`,
		`{{ let a = trigger.xs; all(a, all(a, all(a, # > 0))) }}`,
		`{{ count(trigger.xs, any(trigger.xs, any(trigger.xs, # < 0))) }}`,
		`{{ reduce(trigger.xs, #acc + sum(trigger.xs, sum(trigger.xs, #)), 0) }}`,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: compile: %v", src, err)
			continue
		}
		before := runtime.NumGoroutine()
		_, err = Fields{"title": tpl}.Eval(env)
		var le *LimitError
		var fe *FieldError
		if !errors.As(err, &le) || (le.Bound != "steps" && le.Bound != "time") || !errors.As(err, &fe) || fe.Field != "title" {
			t.Errorf("%s: %v; want a step or time limit naming the field", src, err)
		}
		// The deadline only ends a failing test; the VM stops within its budget.
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Fatalf("%s: %d goroutines before, %d after the evaluation gave up: the VM still runs", src, before, n)
		}
	}
}

// Ordinary loops over event data stay well within the step budget.
func TestSandboxStepBudgetKeepsOrdinaryLoops(t *testing.T) {
	groups := make([]any, 2000)
	for i := range groups {
		groups[i] = map[string]any{"name": "team-" + string(rune('a'+i%26)), "id": i}
	}
	env := Env{Trigger: map[string]any{"groups": groups}}
	for src, want := range map[string]any{
		`{{ len(filter(trigger.groups, #.name == "team-a")) }}`:              77,
		`{{ join(map(filter(trigger.groups, #.id < 3), #.name), ",") }}`:     "team-a,team-b,team-c",
		`{{ sum(map(trigger.groups, #.id)) }}`:                               1999000,
		`{{ all(trigger.groups, any(["team-a", "team-b"], # != "x")) }}`:     true,
		`{{ first(sortBy(filter(trigger.groups, #.id > 1990), -#.id)).id }}`: 1999,
		`{{ count(trigger.groups, #.id % 2 == 0) }}`:                         1000,
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

// Counting predicates keeps their type checks: a predicate that is not
// true or false is still refused when the template is saved.
func TestSandboxStepBudgetKeepsPredicateTypeChecks(t *testing.T) {
	for _, src := range []string{`{{ filter(trigger.xs, "x") }}`, `{{ any([1, 2], 3) }}`} {
		if _, err := Parse(src); err == nil {
			t.Errorf("%s compiled", src)
		}
	}
	tpl, err := Parse(`{{ map([1, 2], # * 2) }}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tpl.Eval(Env{}); err != nil || Format(got) != "[2,4]" {
		t.Fatalf("map = %#v, %v", got, err)
	}
}
