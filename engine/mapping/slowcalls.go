package mapping

import (
	"context"
	"fmt"
	"regexp"
	"regexp/syntax"
	"time"

	"github.com/expr-lang/expr/ast"
)

// The time budget inside calls. An evaluation stops at its deadline: the
// caller is answered then, and the VM (which cannot be stopped from
// outside) stops at its next checked call: every predicate step, every +,
// every checked builtin and every matches looks at the deadline first. So
// no single call may be long either: a regular expression's work is about
// its compiled size times its text (Go's engine is linear, but
// "(?:a?){500}a{500}" compiles to thousands of steps, seconds on 256 KiB),
// and a match whose product is beyond MaxRegexWork is refused at once. The
// other builtins are linear in what they build, which the byte budget
// bounds, or in their input (sort: a few hundred milliseconds at most).
const (
	MaxRegexWork    = 64 << 20 // compiled pattern steps × text bytes of one matches
	MaxRegexPattern = 4 << 10  // bytes of one pattern
	maxRegexCache   = 64       // compiled patterns kept per evaluation
)

// alive fails once the evaluation's deadline has passed or its context
// ended. It is cheap (a receive that does not wait), so it runs on every
// step and call.
func (b *budget) alive() error {
	select {
	case <-b.done:
		return b.ctx.Err()
	default:
		return nil
	}
}

// slowCall is a call refused for the time it would take.
type slowCall struct{ fn, why string }

func (e *slowCall) Error() string { return e.fn + " would take too long: " + e.why }

// checkedMatches rewrites a matches b into __matches(__budget, a, b). A
// constant pattern that does not compile is left to expr, which refuses
// it when the template is saved.
type checkedMatches struct{}

func (checkedMatches) Visit(node *ast.Node) {
	bin, ok := (*node).(*ast.BinaryNode)
	if !ok || bin.Operator != "matches" {
		return
	}
	if s, ok := bin.Right.(*ast.StringNode); ok {
		if _, err := regexp.Compile(s.Value); err != nil {
			return
		}
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: "__matches"},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: budgetVar}, bin.Left, bin.Right},
	})
}

type compiledRegex struct {
	re    *regexp.Regexp
	steps int // instructions of the compiled program
}

func checkedMatch(args ...any) (any, error) {
	b, ok := args[0].(*budget)
	if !ok || len(args) != 3 {
		return nil, fmt.Errorf("internal: matches without its budget")
	}
	if err := b.alive(); err != nil {
		return nil, err
	}
	text, ok1 := args[1].(string)
	pattern, ok2 := args[2].(string)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("matches takes a text on its left and a pattern (text) on its right, got %s and %s", kindOf(args[1]), kindOf(args[2]))
	}
	c, err := b.regex(pattern)
	if err != nil {
		return nil, err
	}
	if work := int64(c.steps) * int64(len(text)+1); work > MaxRegexWork {
		return nil, &slowCall{fn: "matches", why: fmt.Sprintf("its pattern compiles to %s steps and its text is %s bytes; steps × bytes may be at most %s (large {n} repeats over a long text take seconds)",
			count(int64(c.steps)), count(int64(len(text))), count(MaxRegexWork))}
	}
	return c.re.MatchString(text), nil
}

// regex compiles a pattern once per evaluation.
func (b *budget) regex(pattern string) (compiledRegex, error) {
	if c, ok := b.regexes[pattern]; ok {
		return c, nil
	}
	if len(pattern) > MaxRegexPattern {
		return compiledRegex{}, &slowCall{fn: "matches", why: fmt.Sprintf("its pattern is %s bytes; at most %s", count(int64(len(pattern))), sizeText(MaxRegexPattern))}
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return compiledRegex{}, fmt.Errorf("matches: %v", err)
	}
	steps := 1
	if parsed, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if prog, err := syntax.Compile(parsed.Simplify()); err == nil {
			steps = len(prog.Inst)
		}
	}
	c := compiledRegex{re: re, steps: steps}
	if b.regexes == nil {
		b.regexes = map[string]compiledRegex{}
	}
	if len(b.regexes) < maxRegexCache {
		b.regexes[pattern] = c
	}
	return c, nil
}

// timeBudget is how long an evaluation that starts now under ctx may run:
// EvalTimeout, or less when ctx ends sooner.
func timeBudget(ctx context.Context) time.Duration {
	d := EvalTimeout
	if deadline, ok := ctx.Deadline(); ok {
		if left := time.Until(deadline); left < d {
			d = max(left, 0)
		}
	}
	return d
}
