package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Numbers from a decoder with UseNumber (json.Number: a sample the app
// decoded, an action's output) behave as numbers in templates: they add,
// compare, count and format as numbers, whole numbers exactly (an int64
// where they fit; expr's arithmetic then gives a Go int, 64 bits). A whole
// number beyond int64 is kept as its digits for copying; computing with it
// is a clear error naming it.
func TestJSONNumbersAreNumbers(t *testing.T) {
	env := Env{
		Trigger: map[string]any{
			"count": json.Number("41"), "age": json.Number("31"), "f": json.Number("1.5"),
			"id":   json.Number("9007199254740993"), // 2^53 + 1: float64 would round it
			"big":  json.Number("123456789012345678901234567890"),
			"list": []any{json.Number("2"), json.Number("3")},
		},
		Steps: map[string]any{"find": map[string]any{"n": json.Number("7")}},
	}
	for src, want := range map[string]any{
		`{{ trigger.count + 1 }}`:           42,
		`{{ trigger.age > 30 }}`:            true,
		`{{ trigger.age >= 31.5 }}`:         false,
		`{{ trigger.count == 41 }}`:         true,
		`{{ trigger.count in [41] }}`:       true,
		`{{ trigger.count * 2 }}`:           82,
		`{{ trigger.f + 1 }}`:               2.5,
		`{{ -trigger.count }}`:              int64(-41),
		`{{ trigger.count % 5 }}`:           1,
		`{{ max(trigger.count, 3) }}`:       int64(41),
		`{{ sum(trigger.list) }}`:           5,
		`{{ len(1..trigger.count) }}`:       41,
		`{{ steps.find.n + 1 }}`:            8,
		`{{ trigger.id + 0 }}`:              9007199254740993,
		`{{ trigger.id }}`:                  int64(9007199254740993),
		`{{ "n" + string(trigger.count) }}`: "n41",
		`{{ trigger.big }}`:                 json.Number("123456789012345678901234567890"),
		`id {{ trigger.big }}`:              "id 123456789012345678901234567890",
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
	// The event itself is not changed.
	if _, ok := env.Trigger.(map[string]any)["count"].(json.Number); !ok {
		t.Error("the caller's event was changed")
	}
	tpl, _ := Parse(`{{ trigger.big + 1 }}`)
	_, err := Fields{"externalId": tpl}.Eval(env)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "externalId" || !strings.Contains(err.Error(), "trigger.big is 123456789012345678901234567890") || !strings.Contains(err.Error(), "too large to compute with") {
		t.Errorf("arithmetic on a number beyond int64: %v", err)
	}
}
