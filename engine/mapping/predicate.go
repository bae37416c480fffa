package mapping

import (
	"context"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Predicate is a true-or-false expression over one named value (an
// http_poll trigger's filter over `item`), compiled and run in the same
// sandbox as templates: the same source checks (nesting, size, escapes),
// the same checked builtins, and the same memory, step and time budgets.
type Predicate struct {
	code    string
	name    string
	program *vm.Program
}

// CompilePredicate compiles code, which may read only name.
func CompilePredicate(code, name string) (*Predicate, error) {
	if err := CheckSource(code); err != nil {
		return nil, err
	}
	if err := checkEscapes(code); err != nil {
		return nil, err
	}
	if tree, err := parser.Parse(code); err == nil {
		if err := staticLimits(tree.Node); err != nil {
			return nil, err
		}
	}
	env := map[string]any{name: map[string]any{}, budgetVar: &budget{}}
	program, err := expr.Compile(code, append(sandboxOptionsFor(env), expr.AsBool())...)
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	return &Predicate{code: code, name: name, program: program}, nil
}

// Eval runs the predicate on v (decoded JSON; json.Number reads as a
// number). A sandbox stop is a *LimitError; any other error (a field v
// lacks, say) is returned as it is.
func (p *Predicate) Eval(ctx context.Context, v any) (bool, error) {
	out, err := run(ctx, p.program, p.code, map[string]any{p.name: exactShared(v)})
	if err != nil {
		return false, err
	}
	keep, _ := out.(bool)
	return keep, nil
}
