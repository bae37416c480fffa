// Package mapping turns a step's field mappings into values. Each field
// holds a literal or a template: text with {{ expr }} parts, where expr is an
// expr-lang expression over `trigger` (the event) and `steps` (the outputs of
// earlier steps by step id):
//
//	{{ trigger.email }}
//	{{ lower(trigger.first_name) + "." + lower(trigger.last_name) + "@acme.com" }}
//	{{ steps.find.profile.login }}
//
// Templates compile when an integration is saved, so syntax errors, unknown
// names and unknown step ids show at once. At run time a value that is
// missing is an error naming the path, never a silent empty string; use
// `trigger.x ?? "default"` to make a value optional.
package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Template is a compiled field mapping.
type Template struct {
	src   string
	parts []part
}

// part is a literal text run or a compiled expression.
type part struct {
	text    string
	expr    string
	program *vm.Program
	refs    []string // paths the expression reads, like trigger.email
}

// compileEnv declares the two names a template may use, so expr rejects any
// other identifier (a typo such as `trigeer.email`) at compile time.
// (The sandbox's budget is there too, under a name of its own.)
var compileEnv = map[string]any{"trigger": map[string]any{}, "steps": map[string]any{}, budgetVar: &budget{}}

// Parse compiles a field's mapping. A string without {{ }} is a literal.
func Parse(src string) (*Template, error) {
	t := &Template{src: src}
	if len(src) > MaxTemplateSize {
		return nil, &Error{Msg: fmt.Sprintf("the mapping is %s bytes long; at most %s: shorten it", count(int64(len(src))), sizeText(MaxTemplateSize))}
	}
	rest, offset := src, 0
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			if rest != "" {
				t.parts = append(t.parts, part{text: rest})
			}
			return t, nil
		}
		if open > 0 {
			t.parts = append(t.parts, part{text: rest[:open]})
		}
		body := rest[open+2:]
		end := closingBraces(body)
		if end < 0 {
			return nil, &Error{Pos: offset + open, Msg: `"{{" is never closed with "}}"`}
		}
		code := strings.TrimSpace(body[:end])
		if code == "" {
			return nil, &Error{Pos: offset + open, Msg: "empty {{ }}: put an expression inside, such as {{ trigger.email }}"}
		}
		p, err := compilePart(code)
		if err != nil {
			return nil, &Error{Pos: offset + open, Msg: err.Error()}
		}
		t.parts = append(t.parts, p)
		consumed := open + 2 + end + 2
		rest, offset = rest[consumed:], offset+consumed
	}
}

// closingBraces finds the "}}" that ends an expression, skipping string
// literals so that {{ "}}" }} works. It returns -1 when there is none.
func closingBraces(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			return i
		}
	}
	return -1
}

func compilePart(code string) (part, error) {
	if err := CheckSource(code); err != nil {
		return part{}, fmt.Errorf("in {{ %s }}: %v", shortCode(code), err)
	}
	if err := checkEscapes(code); err != nil {
		return part{}, fmt.Errorf("in {{ %s }}: %v", shortCode(code), err)
	}
	// The bounds are checked on the tree as written, before type checks
	// (repeat("x", 1e10) is then refused for its size, not its float).
	if tree, err := parser.Parse(code); err == nil {
		if err := staticLimits(tree.Node); err != nil {
			return part{}, fmt.Errorf("in {{ %s }}: %v", code, err)
		}
	}
	program, err := expr.Compile(code, sandboxOptions()...)
	if err != nil {
		return part{}, fmt.Errorf("in {{ %s }}: %s", code, firstLine(err.Error()))
	}
	return part{expr: code, program: program, refs: collectRefs(program)}, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Source is the mapping as the user wrote it.
func (t *Template) Source() string { return t.src }

// IsLiteral reports whether the mapping has no {{ }} part.
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.program != nil {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the mapping gives nothing at all (an empty string).
func (t *Template) IsEmpty() bool { return len(t.parts) == 0 }

// Refs lists the paths the template reads, like "trigger.email" and
// "steps.find.profile.login", in order of first use.
func (t *Template) Refs() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.parts {
		for _, r := range p.refs {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// StepRefs lists the step ids the template reads outputs of.
func (t *Template) StepRefs() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range t.Refs() {
		parts := strings.SplitN(r, ".", 3)
		if parts[0] == "steps" && len(parts) > 1 && !seen[parts[1]] {
			seen[parts[1]] = true
			out = append(out, parts[1])
		}
	}
	return out
}

// Eval resolves the template against an event and earlier steps' outputs.
// A template that is one {{ expression }} and nothing else keeps the value's
// type (a number, a list, true); any other template gives a string.
//
// Evaluation runs in the sandbox (see sandbox.go): bounded in memory, text
// and time, each bound failing with a *LimitError.
func (t *Template) Eval(env Env) (any, error) { return t.EvalContext(context.Background(), env) }

// EvalContext is Eval that also stops when ctx ends.
func (t *Template) EvalContext(ctx context.Context, env Env) (any, error) {
	env = env.exactEnv()
	vars := map[string]any{"trigger": env.Trigger, "steps": env.Steps}
	if vars["steps"] == nil {
		vars["steps"] = map[string]any{}
	}
	if len(t.parts) == 1 && t.parts[0].program != nil {
		return t.parts[0].eval(ctx, vars, env)
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.program == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.eval(ctx, vars, env)
		if err != nil {
			return nil, err
		}
		b.WriteString(Format(v))
		if b.Len() > MaxValueBytes {
			return nil, &LimitError{Expr: p.expr, Bound: "text", Msg: fmt.Sprintf("the field's text grows beyond %s", sizeText(MaxValueBytes))}
		}
	}
	return b.String(), nil
}

func (p part) eval(ctx context.Context, vars map[string]any, env Env) (any, error) {
	for _, ref := range p.refs {
		if v, ok := env.lookup(ref); ok && v == Masked {
			return nil, &MaskedError{Expr: p.expr, Path: ref}
		}
	}
	v, err := run(ctx, p.program, p.expr, vars)
	var limit *LimitError
	if errors.As(err, &limit) || errors.Is(err, context.Canceled) {
		return nil, err
	}
	if err != nil {
		if missing := env.missing(p.refs); len(missing) > 0 {
			return nil, &MissingError{Expr: p.expr, Paths: missing}
		}
		for _, ref := range p.refs {
			if v, ok := env.lookup(ref); ok {
				if n, big := v.(json.Number); big {
					return nil, &BigNumberError{Expr: p.expr, Path: ref, Number: n}
				}
			}
		}
		return nil, fmt.Errorf("{{ %s }}: %s", p.expr, firstLine(err.Error()))
	}
	if v == nil {
		return nil, &MissingError{Expr: p.expr, Paths: env.missing(p.refs)}
	}
	return plain(v), nil
}

// plain gives a value as decoded JSON holds it, which is what the rest of
// the engine reads: the typed lists some builtins return ([]string of
// split, []int of a range, pairs) become []any, maps with text keys
// map[string]any, at any depth. Scalars stay as they are. A value already
// plain is returned as it is, not copied.
func plain(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, int64, float64, json.Number:
		return v
	case []any:
		var out []any
		for i, e := range x {
			p := plain(e)
			if out == nil && !same(p, e) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = p
			}
		}
		if out == nil {
			return x
		}
		return out
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if p := plain(e); !same(p, e) {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = p
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = plain(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			out := make(map[string]any, rv.Len())
			iter := rv.MapRange()
			for iter.Next() {
				out[iter.Key().String()] = plain(iter.Value().Interface())
			}
			return out
		}
	}
	return v
}

// same reports whether plain left a value as it was: a container it
// rebuilt is a different one.
func same(p, e any) bool {
	switch e.(type) {
	case []any, map[string]any:
		return reflect.ValueOf(p).UnsafePointer() == reflect.ValueOf(e).UnsafePointer()
	}
	rv := reflect.ValueOf(e)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
		return false
	}
	return true
}

// Format writes a value the way a person expects to read it in text: whole
// numbers without a decimal point or exponent, lists and objects as JSON.
func Format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case nil:
		return ""
	case []any, map[string]any:
		return mustJSON(x)
	default:
		return fmt.Sprint(x)
	}
}
