package mapping

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitGoroutines waits until no more goroutines run than before; it
// reports whether they ended. The wait only ends a failing test: a VM
// that sees its deadline ends within one call.
func waitGoroutines(before int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return runtime.NumGoroutine() <= before
}

// Expensive single calls look at the deadline themselves: a template that
// calls matches on a long text again and again, or one whose every call is
// slow, fails its field with a time limit, and its VM really stops (before,
// the deadline was looked at every 1024 predicate steps, so 1000 slow
// matches ran on for minutes after the caller had given up).
func TestSlowCallsStopAtTheDeadline(t *testing.T) {
	env := Env{Trigger: map[string]any{
		"s":       strings.Repeat("ab", 128<<10),
		"pattern": "(a|b)*c",
	}}
	for _, src := range []string{
		`{{ len(filter(1..100000, trigger.s matches "(a|b)*c")) }}`,
		`{{ len(filter(1..100000, trigger.s matches trigger.pattern)) }}`,
		`{{ count(1..100000, not (trigger.s matches "[ab]+[0-9]+")) }}`,
		`{{ len(filter(1..100000, (trigger.s | upper()) matches "X")) }}`,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: compile: %v", src, err)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		before := runtime.NumGoroutine()
		_, err = Fields{"title": tpl}.EvalContext(ctx, env)
		cancel()
		var le *LimitError
		var fe *FieldError
		// (matching on upper's copies may run out of text budget first)
		if !errors.As(err, &le) || (le.Bound != "time" && le.Bound != "text") || !errors.As(err, &fe) || fe.Field != "title" {
			t.Errorf("%s: %v; want a time limit naming the field", src, err)
		} else if le.Bound == "time" && !strings.Contains(err.Error(), "took longer than") {
			t.Errorf("%s: %v", src, err)
		}
		if !waitGoroutines(before) {
			t.Fatalf("%s: the evaluation gave up but its VM runs on", src)
		}
	}
}

// uniq of a long list is one pass, not a compare of every pair (expr's
// takes a minute on 100,000 items, and cannot be stopped).
func TestUniqOfALongListIsQuick(t *testing.T) {
	tpl, err := Parse(`{{ len(uniq(1..100000)) }}`)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	if got, err := tpl.Eval(Env{}); err != nil || got != 100000 {
		t.Errorf("got %v, %v; want 100000", got, err)
	}
	if !waitGoroutines(before) {
		t.Fatal("uniq runs on")
	}
}

// A regular expression whose work on its text would take seconds in one
// call ({n} repeats expand the pattern) is refused at once, naming the
// bound; ordinary patterns work as before, and a bad pattern is still an
// error when saved.
func TestMatchesIsBoundedInSize(t *testing.T) {
	env := Env{Trigger: map[string]any{"s": strings.Repeat("ab", 128<<10), "email": "ada@acme.com", "p": "(?:a?){500}a{500}"}}
	for _, src := range []string{
		`{{ trigger.s matches "(?:a?){500}a{500}" }}`,
		`{{ trigger.s matches trigger.p }}`,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		_, err = tpl.Eval(env)
		var le *LimitError
		if !errors.As(err, &le) || le.Bound != "time" || !strings.Contains(err.Error(), "matches would take") {
			t.Errorf("%s: %v; want a time limit naming matches", src, err)
		}
	}
	for src, want := range map[string]bool{
		`{{ trigger.email matches "^[a-z]+@acme\\.com$" }}`:            true,
		`{{ trigger.email not matches "^x" }}`:                         true,
		`{{ trigger.email matches "^" + "x" }}`:                        false,
		`{{ any(["a", "ada"], trigger.email matches "^" + # + "@") }}`: true,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got, err := tpl.Eval(env); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
	if _, err := Parse(`{{ trigger.email matches "(" }}`); err == nil {
		t.Error("a bad constant pattern compiled")
	}
	tpl, _ := Parse(`{{ trigger.email matches trigger.p + "(" }}`)
	if _, err := tpl.Eval(env); err == nil || !strings.Contains(err.Error(), "regexp") {
		t.Errorf("a bad pattern at run time: %v", err)
	}
}
