package mapping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
)

// The sandbox: a template is code from whoever edits an integration, run
// on data from whoever calls its webhook, inside the always-on service. Its
// evaluation has three bounds, so that no template can take the process
// down or hold a worker:
//
//   - the VM's memory budget (expr counts the elements of ranges, arrays,
//     maps and what map/filter/concat/repeat build) at VMBudget;
//   - a byte budget for the text a template builds, which expr does not
//     count: string "+" is rewritten at compile time into a checked call,
//     and replace, join, toJSON and string (whose text can be far larger
//     than their input) are checked functions; every evaluation may build
//     at most ByteBudget bytes, and a field's value at most MaxValueBytes;
//   - a step budget for the work a template repeats, which the memory
//     budget misses (a list bound once by let, or given by the event, costs
//     no memory to loop over again and again): every predicate (the body of
//     all, any, filter, map, reduce, count, sortBy...) is rewritten at
//     compile time into a checked call, so that each run of a predicate
//     takes one of StepBudget steps and looks at the context;
//   - a time budget: an evaluation that is not done after EvalTimeout (or
//     when its context ends) fails. Predicates are the only way a template
//     repeats work, so the checked calls stop the VM itself soon after:
//     no evaluation spins on once its caller has given up.
//
// Each bound fails the field with a *LimitError that says which bound and
// what to do. At compile time (saving, importing) a template whose constant
// arguments already break a bound (repeat("x", 1e10), 1..1e12) is refused.
const (
	VMBudget      = 500_000         // elements the expr VM may allocate per evaluation
	ByteBudget    = 8 << 20         // bytes of text an evaluation may build
	MaxValueBytes = 1 << 20         // bytes of one field's value
	StepBudget    = 1_000_000       // predicate runs an evaluation may make
	EvalTimeout   = 1 * time.Second // wall-clock time of one field's evaluation
)

// LimitError is a template evaluation stopped by a sandbox bound.
type LimitError struct {
	Expr  string
	Bound string // "memory", "text", "steps", "time"
	Msg   string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("{{ %s }} stopped: %s; templates are limited so that one cannot slow or stop the service: simplify it", e.Expr, e.Msg)
}

// budgetVar is the name under which an evaluation's budget reaches the
// checked functions. A name users cannot write by accident; reading it
// gives them nothing.
const budgetVar = "__budget"

// budget is one evaluation's byte, step and time allowance.
type budget struct {
	ctx   context.Context
	left  int64 // bytes
	steps int64
}

var (
	errTextBudget = errors.New("text budget")
	errStepBudget = errors.New("step budget")
)

// charge takes n bytes from the budget, or fails.
func (b *budget) charge(n int64) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if n > b.left {
		return errTextBudget
	}
	b.left -= n
	return nil
}

// sandboxOptions are the expr options every template compiles with.
func sandboxOptions() []expr.Option {
	return []expr.Option{
		expr.Env(compileEnv),
		expr.MaxNodes(2000),
		expr.Patch(checkedPlus{}),
		expr.Function("__add", checkedAdd),
		expr.Patch(countedPredicates{}),
		stepFunction,
		expr.DisableBuiltin("replace"),
		expr.Function("replace", checkedReplace),
		expr.DisableBuiltin("join"),
		expr.Function("join", checkedJoin),
		expr.DisableBuiltin("toJSON"),
		expr.Function("toJSON", checkedToJSON),
		expr.DisableBuiltin("string"),
		expr.Function("string", checkedString),
	}
}

// checkedPlus rewrites a + b into __add(__budget, a, b).
type checkedPlus struct{}

func (checkedPlus) Visit(node *ast.Node) {
	bin, ok := (*node).(*ast.BinaryNode)
	if !ok || bin.Operator != "+" {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: "__add"},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: budgetVar}, bin.Left, bin.Right},
	})
}

// countedPredicates rewrites the body p of every predicate into
// __step(__budget, p): the body's value, once a step is charged.
type countedPredicates struct{}

func (countedPredicates) Visit(node *ast.Node) {
	c, ok := (*node).(*ast.PredicateNode)
	if !ok {
		return
	}
	c.Node = &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: "__step"},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: budgetVar}, c.Node},
	}
}

// stepFunction declares __step: its type is its second argument's, so
// that a predicate is type-checked as written ("predicate should return
// boolean" is still a compile error).
func stepFunction(c *conf.Config) {
	c.Functions["__step"] = &builtin.Function{
		Name: "__step",
		Func: checkedStep,
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			if len(args) != 2 {
				return nil, errors.New("internal: __step takes a budget and a value")
			}
			return args[1], nil
		},
	}
}

// checkedStep charges one predicate run and returns its value; every
// 1024 steps it also stops the evaluation when the context has ended.
func checkedStep(args ...any) (any, error) {
	b, ok := args[0].(*budget)
	if !ok || len(args) != 2 {
		return nil, errors.New("internal: a predicate without its budget")
	}
	b.steps--
	if b.steps < 0 {
		return nil, errStepBudget
	}
	if b.steps%1024 == 0 {
		if err := b.ctx.Err(); err != nil {
			return nil, err
		}
	}
	return args[1], nil
}

// checkedAdd is +: numbers and times as expr adds them; text charged to the
// budget before it is built.
func checkedAdd(args ...any) (any, error) {
	b, ok := args[0].(*budget)
	if !ok || len(args) != 3 {
		return nil, errors.New("internal: + without its budget")
	}
	x, y := args[1], args[2]
	if sx, ok := x.(string); ok {
		if sy, ok := y.(string); ok {
			if err := b.charge(int64(len(sx)) + int64(len(sy))); err != nil {
				return nil, err
			}
			return sx + sy, nil
		}
	}
	if err := b.ctx.Err(); err != nil {
		return nil, err
	}
	return runtime.Add(x, y), nil
}

// checkedReplace is replace(s, old, new[, n]) with its result charged
// before it is built: replacing "" or a short text by a long one multiplies.
func checkedReplace(args ...any) (any, error) {
	if len(args) != 3 && len(args) != 4 {
		return nil, fmt.Errorf("replace takes 3 or 4 arguments, got %d", len(args))
	}
	s, ok1 := args[0].(string)
	old, ok2 := args[1].(string)
	repl, ok3 := args[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return nil, errors.New("replace(text, old, new) takes texts")
	}
	n := -1
	if len(args) == 4 {
		n = runtime.ToInt(args[3])
	}
	count := strings.Count(s, old)
	if n >= 0 && n < count {
		count = n
	}
	size := int64(len(s)) + int64(count)*(int64(len(repl))-int64(len(old)))
	if size > MaxValueBytes {
		return nil, errTextBudget
	}
	return strings.Replace(s, old, repl, n), nil
}

// run evaluates a compiled expression inside the sandbox.
func run(ctx context.Context, program *vm.Program, code string, vars map[string]any) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, EvalTimeout)
	defer cancel()
	b := &budget{ctx: ctx, left: ByteBudget, steps: StepBudget}
	env := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		env[k] = v
	}
	env[budgetVar] = b
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		machine := vm.VM{MemoryBudget: VMBudget}
		v, err := machine.Run(program, env)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err == nil {
			r.err = checkSize(r.v)
		}
		return r.v, limitError(code, r.err, ctx)
	case <-ctx.Done():
		// The VM cannot be stopped from outside: its next checked call
		// (a predicate's step, a +, a text function) sees the context and
		// ends it; its result is dropped.
		return nil, limitError(code, ctx.Err(), ctx)
	}
}

// checkSize refuses a value too large for a field.
func checkSize(v any) error {
	if s, ok := v.(string); ok && len(s) > MaxValueBytes {
		return errTextBudget
	}
	if l, ok := v.([]any); ok && len(l) > MaxValueBytes/8 {
		return errTextBudget
	}
	return nil
}

// limitError turns a sandbox stop into a *LimitError; other errors pass.
func limitError(code string, err error, ctx context.Context) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errTextBudget):
		return &LimitError{Expr: code, Bound: "text", Msg: fmt.Sprintf("it builds more text than a field may hold (%s per field, %s per evaluation)",
			sizeText(MaxValueBytes), sizeText(ByteBudget))}
	case errors.Is(err, errStepBudget):
		return &LimitError{Expr: code, Bound: "steps", Msg: fmt.Sprintf("it repeats its predicates more than %d times (loops inside loops over long lists)", StepBudget)}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &LimitError{Expr: code, Bound: "time", Msg: fmt.Sprintf("it ran longer than %s", EvalTimeout)}
	case errors.Is(err, context.Canceled):
		return err
	case strings.Contains(err.Error(), "memory budget exceeded"):
		// expr's VM reports its budget only as this panic text.
		return &LimitError{Expr: code, Bound: "memory", Msg: fmt.Sprintf("it builds more than %d list or map elements", VMBudget)}
	}
	return err
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// checkedJoin is join(list[, sep]) with its result charged before it is
// built: a list of one long text repeated is cheap, its join is not.
func checkedJoin(args ...any) (any, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, fmt.Errorf("join takes 1 or 2 arguments, got %d", len(args))
	}
	sep := ""
	if len(args) == 2 {
		s, ok := args[1].(string)
		if !ok {
			return nil, errors.New("join(list, separator) takes a text separator")
		}
		sep = s
	}
	var parts []string
	switch l := args[0].(type) {
	case []string:
		parts = l
	case []any:
		parts = make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("join takes a list of texts; item %d is %s", i, kindOf(e))
			}
			parts[i] = s
		}
	default:
		return nil, fmt.Errorf("join takes a list of texts, got %s", kindOf(args[0]))
	}
	size := int64(len(sep)) * int64(max(len(parts)-1, 0))
	for _, p := range parts {
		size += int64(len(p))
	}
	if size > MaxValueBytes {
		return nil, errTextBudget
	}
	return strings.Join(parts, sep), nil
}

// checkedToJSON is toJSON(v) (indented, as expr writes it), refused when
// the text would be larger than a field may hold.
func checkedToJSON(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("toJSON takes 1 argument, got %d", len(args))
	}
	if !fitsText(args[0], MaxValueBytes/2, 0) {
		return nil, errTextBudget
	}
	b, err := json.MarshalIndent(args[0], "", "  ")
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// checkedString is string(v), refused like toJSON for a value whose text
// is too large.
func checkedString(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("string takes 1 argument, got %d", len(args))
	}
	if s, ok := args[0].(string); ok {
		return s, nil
	}
	if !fitsText(args[0], MaxValueBytes/2, 0) {
		return nil, errTextBudget
	}
	return builtin.String(args[0]), nil
}

// fitsText reports whether v's text (JSON or %v) stays within limit bytes,
// counting generously (indentation included) and stopping once it does not.
func fitsText(v any, limit int64, depth int) bool {
	var walk func(v any, depth int) bool
	var size int64
	walk = func(v any, depth int) bool {
		size += int64(2*depth + 8)
		switch x := v.(type) {
		case string:
			size += int64(len(x)) * 2 // escapes
		case []any:
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
		case map[string]any:
			for k, e := range x {
				size += int64(len(k)) * 2
				if !walk(e, depth+1) {
					return false
				}
			}
		}
		return size <= limit
	}
	return walk(v, depth)
}
