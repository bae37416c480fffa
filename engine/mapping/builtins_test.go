package mapping

import (
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// hostileEnv is event data a hostile template multiplies: each value is
// small, what a template builds from it over and over is not.
func hostileEnv() Env {
	s := strings.Repeat("x", 256<<10)
	words := make([]any, 1024)
	for i := range words {
		words[i] = strings.Repeat("w", 256)
	}
	obj := make(map[string]any, 10_000)
	for i := range 10_000 {
		obj[fmt.Sprintf("k%d", i)] = i
	}
	list := make([]any, 10_000)
	for i := range list {
		list[i] = i
	}
	return Env{Trigger: map[string]any{
		"n": int64(1_000_000), "s": s, "words": words, "obj": obj, "list": list,
		"b64":  base64.StdEncoding.EncodeToString([]byte(s)),
		"json": "[" + strings.Repeat("0,", 128<<10) + "0]",
	}}
}

// allocated is how many bytes of heap f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Every builtin that allocates is charged to the evaluation's budget before
// it allocates: a template that would build far more than the budget (each
// of these, run unchecked, builds 50 MiB to 1 GiB) fails with a
// *LimitError having allocated little more than the budget itself.
func TestAllocatingBuiltinsAreChargedBeforeTheyAllocate(t *testing.T) {
	env := hostileEnv()
	args := strings.TrimSuffix(strings.Repeat("trigger.list, ", 300), ", ")
	for _, src := range []string{
		`{{ repeat(trigger.s, 1000) }}`,
		`{{ repeat("ab", trigger.n) }}`,
		`{{ len(map(1..400, repeat(trigger.s, 1))) }}`,
		`{{ len(map(1..400, upper(trigger.s))) }}`,
		`{{ len(map(1..400, lower(trigger.s))) }}`,
		`{{ len(map(1..400, replace(trigger.s, "x", "y"))) }}`,
		`{{ len(map(1..400, join(trigger.words, ""))) }}`,
		`{{ len(map(1..400, join(trigger.words))) }}`,
		`{{ len(map(1..400, toJSON(trigger.s))) }}`,
		`{{ len(map(1..400, string(trigger.words))) }}`,
		`{{ len(map(1..400, toBase64(trigger.s))) }}`,
		`{{ len(map(1..400, fromBase64(trigger.b64))) }}`,
		`{{ len(map(1..20, split(trigger.s, ""))) }}`,
		`{{ len(map(1..20, splitAfter(trigger.s, ""))) }}`,
		`{{ len(map(1..20, split(trigger.s, "", -1))) }}`,
		`{{ len(map(1..400, keys(trigger.obj))) }}`,
		`{{ len(map(1..400, values(trigger.obj))) }}`,
		`{{ len(map(1..200, toPairs(trigger.obj))) }}`,
		`{{ len(map(1..100, fromPairs(toPairs(trigger.obj)))) }}`,
		`{{ len(map(1..30, fromJSON(trigger.json))) }}`,
		`{{ len(concat(` + args + `)) }}`,
		`{{ len(flatten([` + args + `])) }}`,
		`{{ len(map(1..400, trigger.s + "!")) }}`,
		`{{ len(map(1..400, trigger.s | upper())) }}`,
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%.70s: compile: %v", src, err)
			continue
		}
		var evalErr error
		n := allocated(func() { _, evalErr = Fields{"title": tpl}.Eval(env) })
		var le *LimitError
		var fe *FieldError
		slowed := raceEnabled && errors.As(evalErr, &le) && le.Bound == "time" // stopped by the clock first
		if !errors.As(evalErr, &le) || (le.Bound != "text" && le.Bound != "memory" && !slowed) || !errors.As(evalErr, &fe) || fe.Field != "title" {
			t.Errorf("%.70s: %v; want a text or memory limit naming the field", src, evalErr)
		}
		if n > 3*ByteBudget {
			t.Errorf("%.70s: allocated %d MiB before it stopped; the budget is %d MiB", src, n>>20, ByteBudget>>20)
		}
	}
}

// The builtins keep what they do for ordinary data.
func TestCheckedBuiltinsKeepTheirResults(t *testing.T) {
	env := Env{Trigger: map[string]any{"name": "Ada Lovelace", "obj": map[string]any{"a": int64(1)}, "b64": "QWRh"}}
	for src, want := range map[string]string{
		`{{ upper(trigger.name) }}`:                      "ADA LOVELACE",
		`{{ trigger.name | lower() }}`:                   "ada lovelace",
		`{{ repeat("ab", 3) }}`:                          "ababab",
		`{{ join(split(trigger.name, " "), "-") }}`:      "Ada-Lovelace",
		`{{ split("a,b,c", ",", 2) }}`:                   `["a","b,c"]`,
		`{{ splitAfter("a,b", ",") }}`:                   `["a,","b"]`,
		`{{ splitAfter("a,b,c", ",", 2) }}`:              `["a,","b,c"]`,
		`{{ keys(trigger.obj) }}`:                        `["a"]`,
		`{{ values(trigger.obj) }}`:                      `[1]`,
		`{{ toPairs(trigger.obj) }}`:                     `[["a",1]]`,
		`{{ fromPairs([["x", 2]]).x }}`:                  "2",
		`{{ toBase64("Ada") }}`:                          "QWRh",
		`{{ fromBase64(trigger.b64) }}`:                  "Ada",
		`{{ fromJSON("{\"n\": 12345678901234567}").n }}`: "12345678901234567",
		`{{ fromJSON("[1.5, \"x\", null, true]") }}`:     `[1.5,"x",null,true]`,
		`{{ concat([1], [2, 3]) }}`:                      "[1,2,3]",
		`{{ flatten([[1, [2]], 3]) }}`:                   "[1,2,3]",
		`{{ uniq([1, 2, 1, "a", "a"]) }}`:                `[1,2,"a"]`,
		`{{ join(["a", "b"]) }}`:                         "ab",
		`{{ trim("  a ") + trimPrefix("xa", "x") }}`:     "aa",
	} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := tpl.Eval(env)
		if err != nil || Format(got) != want {
			t.Errorf("%s = %#v, %v; want %s", src, got, err, want)
		}
	}
	for _, src := range []string{`{{ upper(1) }}`, `{{ repeat("x") }}`, `{{ split(1, ",") }}`, `{{ keys(1) }}`} {
		if _, err := Parse(src); err == nil {
			t.Errorf("%s compiled; want a type error when saved", src)
		}
	}
	for _, src := range []string{`{{ repeat("x", -1) }}`, `{{ fromJSON("{") }}`, `{{ fromBase64("!") }}`} {
		tpl, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if _, err := tpl.Eval(env); err == nil {
			t.Errorf("%s evaluated; want an error", src)
		}
	}
}
