package mapping

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/expr-lang/expr/vm"
	"github.com/oktaflow/oktaflow/engine/internal/jsonpath"
)

// collectRefs lists the data paths an expression reads: member chains with
// constant keys rooted at `trigger` or `steps` ("trigger.email",
// "steps.find.profile.login"). A chain's own prefixes are dropped, since the
// longest path names what a user needs to supply.
func collectRefs(program *vm.Program) []string {
	node := program.Node()
	v := &refVisitor{}
	ast.Walk(&node, v)
	var out []string
	for _, p := range v.paths {
		prefix := false
		for _, q := range v.paths {
			if q != p && strings.HasPrefix(q, p+".") {
				prefix = true
				break
			}
		}
		if !prefix && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

type refVisitor struct{ paths []string }

func (v *refVisitor) Visit(node *ast.Node) {
	if path, ok := memberPath(*node); ok {
		v.paths = append(v.paths, path)
	}
}

// memberPath renders trigger.a.b / steps["x"].y / trigger.list[0] as a dotted path.
func memberPath(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		if x.Value == "trigger" || x.Value == "steps" {
			return x.Value, true
		}
	case *ast.ChainNode:
		return memberPath(x.Node)
	case *ast.MemberNode:
		base, ok := memberPath(x.Node)
		if !ok {
			return "", false
		}
		switch p := x.Property.(type) {
		case *ast.StringNode:
			return base + "." + p.Value, true
		case *ast.IntegerNode:
			return base + "." + strconv.Itoa(p.Value), true
		}
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Env is what a template reads: the trigger event and the outputs of earlier
// steps by step id (each decoded JSON: map[string]any, []any, string, ...).
//
// Numbers may be json.Number (a decoder with UseNumber): evaluation reads
// them as DecodeJSON would have decoded them (int64 where they fit), so
// that they add and compare as numbers.
type Env struct {
	Trigger any
	Steps   map[string]any

	exact bool // the numbers are DecodeJSON's already (see exactEnv)
}

// exactEnv is env with DecodeJSON's numbers, copied only where it holds a
// json.Number.
func (e Env) exactEnv() Env {
	if e.exact {
		return e
	}
	out := Env{Trigger: exactShared(e.Trigger), exact: true}
	if e.Steps != nil {
		out.Steps = exactShared(e.Steps).(map[string]any)
	}
	return out
}

// missing returns the referenced paths that the data does not hold (or
// holds as null).
func (e Env) missing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, ok := e.lookup(p); !ok {
			out = append(out, p)
		}
	}
	return out
}

// lookup walks a dotted path through decoded JSON.
func (e Env) lookup(path string) (any, bool) {
	keys := strings.Split(path, ".")
	switch keys[0] {
	case "trigger":
		return jsonpath.Walk(e.Trigger, keys[1:])
	case "steps":
		steps := make(map[string]any, len(e.Steps))
		for k, v := range e.Steps {
			steps[k] = v
		}
		return jsonpath.Walk(steps, keys[1:])
	}
	return nil, false
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
