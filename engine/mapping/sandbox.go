package mapping

import (
	"context"
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
//     repeats work, and every step, every + and every checked builtin or
//     matches looks at the deadline, none of them long (see slowcalls.go):
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
	ctx     context.Context
	done    <-chan struct{} // ctx.Done()
	regexes map[string]compiledRegex
	left    int64 // bytes
	steps   int64
}

var (
	errTextBudget = errors.New("text budget")
	errStepBudget = errors.New("step budget")
)

// charge takes n bytes from the budget, or fails.
func (b *budget) charge(n int64) error {
	if err := b.alive(); err != nil {
		return err
	}
	if n > b.left {
		return errTextBudget
	}
	b.left -= n
	return nil
}

// sandboxOptions are the expr options every template compiles with.
func sandboxOptions() []expr.Option { return sandboxOptionsFor(compileEnv) }

// sandboxOptionsFor are the sandbox's options over the names of env (which
// must hold the budget's, budgetVar).
func sandboxOptionsFor(env map[string]any) []expr.Option {
	return append([]expr.Option{
		expr.Env(env),
		expr.MaxNodes(2000),
		expr.Patch(checkedPlus{}),
		expr.Function("__add", checkedAdd),
		expr.Patch(countedPredicates{}),
		stepFunction,
		expr.Patch(checkedMatches{}),
		expr.Function("__matches", checkedMatch, new(func(*budget, string, string) bool)),
	}, checkedOptions()...)
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

// checkedStep charges one predicate run and returns its value.
func checkedStep(args ...any) (any, error) {
	b, ok := args[0].(*budget)
	if !ok || len(args) != 2 {
		return nil, errors.New("internal: a predicate without its budget")
	}
	if err := b.step(); err != nil {
		return nil, err
	}
	return args[1], nil
}

// step takes one step of the budget, and stops the evaluation when its
// deadline has passed.
func (b *budget) step() error {
	b.steps--
	if b.steps < 0 {
		return errStepBudget
	}
	if b.steps%1024 == 0 {
		if err := b.alive(); err != nil {
			return err
		}
	}
	return nil
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
	if err := b.alive(); err != nil {
		return nil, err
	}
	return runtime.Add(x, y), nil
}

// run evaluates a compiled expression inside the sandbox.
func run(ctx context.Context, program *vm.Program, code string, vars map[string]any) (any, error) {
	limit := timeBudget(ctx)
	ctx, cancel := context.WithTimeout(ctx, EvalTimeout)
	defer cancel()
	b := &budget{ctx: ctx, done: ctx.Done(), left: ByteBudget, steps: StepBudget}
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
		return r.v, limitError(code, r.err, ctx, limit)
	case <-ctx.Done():
		// The VM cannot be stopped from outside: its next checked call
		// (a predicate's step, a +, a text function) sees the context and
		// ends it; its result is dropped.
		return nil, limitError(code, ctx.Err(), ctx, limit)
	}
}

// checkSize refuses a value too large for a field: its text (a list's or
// object's JSON) beyond MaxValueBytes, or nested deeper than JSON may be.
func checkSize(v any) error {
	if s, ok := v.(string); ok {
		if len(s) > MaxValueBytes {
			return errTextBudget
		}
		return nil
	}
	if _, ok := textSize(v, MaxValueBytes); !ok {
		return errTextBudget
	}
	return nil
}

// maxValueDepth is how deeply a value a template builds may nest (lists in
// lists): a value is walked by recursion (to JSON, to compare), and JSON
// itself is read back at most 10,000 levels deep.
const maxValueDepth = 1000

// textSize is at most how long v's text (JSON, or %v) is, counted
// generously (indentation included), stopping once it passes limit or
// nests deeper than maxValueDepth (ok is then false).
func textSize(v any, limit int64) (size int64, ok bool) {
	var walk func(v reflect.Value, depth int) bool
	walk = func(v reflect.Value, depth int) bool {
		if depth > maxValueDepth {
			size = limit + 1
			return false
		}
		size += int64(2*depth + 8)
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				return walk(v.Elem(), depth)
			}
		case reflect.String:
			size += int64(v.Len()) * 2 // escapes
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				if !walk(v.Index(i), depth+1) {
					return false
				}
			}
		case reflect.Map:
			iter := v.MapRange()
			for iter.Next() {
				size += int64(iter.Key().Len()) * 2
				if !walk(iter.Value(), depth+1) {
					return false
				}
			}
		}
		return size <= limit
	}
	ok = walk(reflect.ValueOf(v), 0)
	return size, ok
}

// limitError turns a sandbox stop into a *LimitError; other errors pass.
func limitError(code string, err error, ctx context.Context, limit time.Duration) error {
	var over *overBudget
	var slow *slowCall
	switch {
	case err == nil:
		return nil
	case errors.As(err, &over):
		bound, what := "memory", "lists and objects"
		if over.text {
			bound, what = "text", "text"
		}
		if over.limit == MaxValueBytes {
			return &LimitError{Expr: code, Bound: bound, Msg: fmt.Sprintf("%s would build %s of text, more than a field may hold (%s)", over.fn, sizeText(over.need), sizeText(MaxValueBytes))}
		}
		return &LimitError{Expr: code, Bound: bound, Msg: fmt.Sprintf("%s would build %s of %s, more than is left of the %s one evaluation may build", over.fn, sizeText(over.need), what, sizeText(ByteBudget))}
	case errors.As(err, &slow):
		return &LimitError{Expr: code, Bound: "time", Msg: slow.Error()}
	case errors.Is(err, errTextBudget):
		return &LimitError{Expr: code, Bound: "text", Msg: fmt.Sprintf("it builds more text than a field may hold (%s per field, %s per evaluation)",
			sizeText(MaxValueBytes), sizeText(ByteBudget))}
	case errors.Is(err, errStepBudget):
		return &LimitError{Expr: code, Bound: "steps", Msg: fmt.Sprintf("it repeats its predicates more than %d times (loops inside loops over long lists)", StepBudget)}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &LimitError{Expr: code, Bound: "time", Msg: fmt.Sprintf("it took longer than %s", limit.Round(time.Millisecond))}
	case errors.Is(err, context.Canceled):
		return err
	case strings.Contains(err.Error(), "memory budget exceeded"):
		// expr's VM reports its budget only as this panic text.
		return &LimitError{Expr: code, Bound: "memory", Msg: fmt.Sprintf("it builds more than %d list or map elements", VMBudget)}
	}
	return err
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
