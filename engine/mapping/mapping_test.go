package mapping

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var sampleEnv = Env{
	Trigger: map[string]any{
		"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
		"age": float64(36), "tags": []any{"eng", "math"}, "manager": nil,
		"address": map[string]any{"city": "London"},
	},
	Steps: map[string]any{
		"find": map[string]any{"id": "00u1", "profile": map[string]any{"login": "ada@acme.com"}},
	},
}

func TestEval(t *testing.T) {
	cases := []struct {
		src  string
		want any
	}{
		{"plain text", "plain text"},
		{"", ""},
		{"{{ trigger.email }}", "ada@example.com"},
		{"{{trigger.email}}", "ada@example.com"},
		{`{{ lower(trigger.first_name) + "." + lower(trigger.last_name) + "@acme.com" }}`, "ada.lovelace@acme.com"},
		{"{{ trigger.first_name }} {{ trigger.last_name }}", "Ada Lovelace"},
		{"{{ steps.find.profile.login }}", "ada@acme.com"},
		{"{{ trigger.age }}", float64(36)},
		{"age {{ trigger.age }}", "age 36"},
		{"{{ trigger.age > 30 }}", true},
		{"{{ trigger.tags }}", []any{"eng", "math"}},
		{"tags: {{ trigger.tags }}", `tags: ["eng","math"]`},
		{"{{ trigger.tags[1] }}", "math"},
		{"{{ trigger.address.city }}", "London"},
		{`{{ trigger.nickname ?? "none" }}`, "none"},
		{`{{ "}}" }}`, "}}"},
		{`{{ upper(trigger.last_name) }}`, "LOVELACE"},
	}
	for _, c := range cases {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		got, err := tpl.Eval(sampleEnv)
		if err != nil {
			t.Errorf("Eval(%q): %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Eval(%q) = %#v, want %#v", c.src, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{{ trigger.email", "never closed"},
		{"hello {{ }}", "empty {{ }}"},
		{"{{ trigeer.email }}", "unknown name trigeer"},
		{"{{ trigger.email + }}", "in {{ trigger.email + }}"},
		{"{{ lower( }}", "in {{ lower( }}"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var perr *Error
		if !errors.As(err, &perr) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an *Error containing %q", c.src, err, c.want)
		}
	}
	if _, err := Parse("ab {{ x"); err.(*Error).Pos != 3 {
		t.Errorf("position of the unclosed {{: %d, want 3", err.(*Error).Pos)
	}
}

func TestMissingValueNamesThePath(t *testing.T) {
	cases := []struct {
		src  string
		want []string
	}{
		{"{{ trigger.phone }}", []string{"trigger.phone"}},
		{"{{ trigger.manager }}", []string{"trigger.manager"}}, // present but null
		{"Hi {{ trigger.address.zip }}", []string{"trigger.address.zip"}},
		{"{{ steps.find.profile.email }}", []string{"steps.find.profile.email"}},
		{"{{ lower(trigger.nick) }}", []string{"trigger.nick"}},
		{"{{ trigger.tags[5] }}", []string{"trigger.tags.5"}},
	}
	for _, c := range cases {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		_, err = tpl.Eval(sampleEnv)
		var miss *MissingError
		if !errors.As(err, &miss) {
			t.Errorf("Eval(%q) = %v, want a MissingError", c.src, err)
			continue
		}
		if !reflect.DeepEqual(miss.Paths, c.want) {
			t.Errorf("Eval(%q) missing %v, want %v", c.src, miss.Paths, c.want)
		}
		if !strings.Contains(err.Error(), c.want[0]) {
			t.Errorf("message %q does not name %s", err, c.want[0])
		}
	}
}

func TestRefs(t *testing.T) {
	tpl, err := Parse(`{{ trigger.a.b + steps.find.profile.login }} {{ trigger.a.b }} {{ steps["make"].id }}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tpl.Refs(), []string{"trigger.a.b", "steps.find.profile.login", "steps.make.id"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Refs = %v, want %v", got, want)
	}
	if got, want := tpl.StepRefs(), []string{"find", "make"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("StepRefs = %v, want %v", got, want)
	}
}

func TestCompileFieldsReportsEveryProblem(t *testing.T) {
	fields := map[string]string{
		"email":     "{{ trigger.email }}",
		"login":     "{{ steps.lookup.profile.login }}",
		"firstName": "{{ trigger.first_name",
		"lastName":  "",
	}
	_, err := CompileFields(fields, []string{"find"}, []string{"login", "firstName", "lastName", "email", "costCenter"})
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		"costCenter: required by Okta but not mapped",
		"firstName: \"{{\" is never closed",
		"lastName: required by Okta",
		"login: reads steps.lookup, but the steps before this one are: [find]",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "email:") {
		t.Errorf("a good field was reported:\n%s", msg)
	}
	if strings.Count(msg, "firstName") != 1 {
		t.Errorf("firstName reported twice:\n%s", msg)
	}

	ok, err := CompileFields(map[string]string{"login": "{{ trigger.email }}", "note": "hi"}, nil, []string{"login"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ok.Eval(sampleEnv)
	if err != nil || got["login"] != "ada@example.com" || got["note"] != "hi" {
		t.Fatalf("Eval = %v, %v", got, err)
	}
	_, err = CompileFields(map[string]string{"login": "{{ steps.find.id }}"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no step runs before this one") {
		t.Fatalf("first step reading steps: %v", err)
	}
}

func TestFieldsEvalNamesTheField(t *testing.T) {
	f, err := CompileFields(map[string]string{"login": "{{ trigger.missing }}"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Eval(sampleEnv)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "login" || !strings.Contains(err.Error(), "trigger.missing") {
		t.Fatalf("Eval = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "text", "{{ trigger.email }}", "{{", "}}", "{{ }}", `{{ "}}" }}`, "a {{ trigger.x }} b {{ steps.s.y }}",
		`{{ lower(trigger.first_name) + "." + lower(trigger.last_name) }}`, `{{ 'it''s' }}`, "{{ trigger.tags[0] }}",
		"{{ steps[\"a\"].b ?? 1 }}", "{{{{}}}}", "{{ `raw` }}", `{{ "\" }}`,
		`{{ repeat("x", 1e10) }}`, `{{ reduce(1..40, #acc + #acc, "x") }}`, `{{ 1..10000000000 }}`,
		`{{ replace("ab", "", "cd") }}`, `{{ join(["a"], 1) }}`, `{{ toJSON(trigger) }}`, `{{ -1..-5 }}`,
	} {
		f.Add(s)
	}
	for _, code := range deepShapes(20_000) { // deep nesting: an error, not a stack overflow
		f.Add("{{ " + code + " }}")
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || perr.Pos < 0 || perr.Pos > len(src) {
				t.Fatalf("Parse(%q): bad error %#v", src, err)
			}
			return
		}
		if tpl.Source() != src {
			t.Fatalf("Source changed")
		}
		// Evaluation of any compiled template must not panic, whatever the data.
		_, _ = tpl.Eval(sampleEnv)
		_, _ = tpl.Eval(Env{})
	})
}

func TestMaskedSecretIsAnError(t *testing.T) {
	tpl, err := Parse("{{ steps.reset.resetPasswordUrl }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Eval(Env{Steps: map[string]any{"reset": map[string]any{"resetPasswordUrl": Masked}}})
	var me *MaskedError
	if !errors.As(err, &me) || me.Path != "steps.reset.resetPasswordUrl" {
		t.Fatalf("got %v; want a MaskedError naming the path", err)
	}
}
