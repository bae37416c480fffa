package mapping

import (
	"fmt"

	"github.com/expr-lang/expr/ast"
)

// staticLimits refuses, at compile time, an expression whose constants
// already break a sandbox bound: a range of more than VMBudget elements
// (also through the ranges it is nested in: map(1..1000, map(1..1000, #))),
// or a repeat whose result is larger than a field may hold. It is what lets
// saving or importing refuse a template that could only fail; everything
// else is bounded when it runs.
func staticLimits(node ast.Node) error {
	return walkLimits(node, 1)
}

// walkLimits checks node, where mult is how many times it runs per
// evaluation (the product of the constant ranges it is nested in).
func walkLimits(node ast.Node, mult int64) error {
	switch n := node.(type) {
	case nil:
		return nil
	case *ast.BinaryNode:
		if n.Operator == ".." {
			if size, ok := rangeSize(n); ok && (size > VMBudget || mult*size > VMBudget) {
				return fmt.Errorf("the range %s makes %s elements%s; a template may build at most %d",
					rangeText(n), count(mult*size), nestedText(mult), VMBudget)
			}
		}
		if err := walkLimits(n.Left, mult); err != nil {
			return err
		}
		return walkLimits(n.Right, mult)
	case *ast.BuiltinNode:
		if n.Name == "repeat" && len(n.Arguments) == 2 {
			if err := repeatLimit(n.Arguments[0], n.Arguments[1], mult); err != nil {
				return err
			}
		}
		inner := mult
		if len(n.Arguments) > 0 {
			if size, ok := collectionSize(n.Arguments[0]); ok {
				inner = mult * max(size, 1)
			}
		}
		for i, a := range n.Arguments {
			m := mult
			if _, isPredicate := a.(*ast.PredicateNode); isPredicate && i > 0 {
				m = inner
			}
			if err := walkLimits(a, m); err != nil {
				return err
			}
		}
		return nil
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "repeat" && len(n.Arguments) == 2 {
			if err := repeatLimit(n.Arguments[0], n.Arguments[1], mult); err != nil {
				return err
			}
		}
		for _, a := range n.Arguments {
			if err := walkLimits(a, mult); err != nil {
				return err
			}
		}
		return walkLimits(n.Callee, mult)
	case *ast.PredicateNode:
		return walkLimits(n.Node, mult)
	case *ast.UnaryNode:
		return walkLimits(n.Node, mult)
	case *ast.ChainNode:
		return walkLimits(n.Node, mult)
	case *ast.MemberNode:
		if err := walkLimits(n.Node, mult); err != nil {
			return err
		}
		return walkLimits(n.Property, mult)
	case *ast.SliceNode:
		for _, c := range []ast.Node{n.Node, n.From, n.To} {
			if err := walkLimits(c, mult); err != nil {
				return err
			}
		}
	case *ast.ConditionalNode:
		for _, c := range []ast.Node{n.Cond, n.Exp1, n.Exp2} {
			if err := walkLimits(c, mult); err != nil {
				return err
			}
		}
	case *ast.VariableDeclaratorNode:
		if err := walkLimits(n.Value, mult); err != nil {
			return err
		}
		return walkLimits(n.Expr, mult)
	case *ast.ArrayNode:
		for _, c := range n.Nodes {
			if err := walkLimits(c, mult); err != nil {
				return err
			}
		}
	case *ast.MapNode:
		for _, c := range n.Pairs {
			if err := walkLimits(c, mult); err != nil {
				return err
			}
		}
	case *ast.PairNode:
		if err := walkLimits(n.Key, mult); err != nil {
			return err
		}
		return walkLimits(n.Value, mult)
	}
	return nil
}

// repeatLimit refuses repeat(text, n) whose constant size is beyond a field.
func repeatLimit(text, times ast.Node, mult int64) error {
	n, ok := constInt(times)
	if !ok {
		return nil
	}
	width := int64(1)
	if s, ok := text.(*ast.StringNode); ok {
		width = int64(max(len(s.Value), 1))
	}
	if n > 0 && (n > MaxValueBytes || width*n > MaxValueBytes || mult*width*n > ByteBudget) {
		return fmt.Errorf("repeat(…, %s) builds %s bytes%s; a field may hold at most %s",
			count(n), count(mult*width*n), nestedText(mult), sizeText(MaxValueBytes))
	}
	return nil
}

func rangeSize(n *ast.BinaryNode) (int64, bool) {
	lo, ok1 := constInt(n.Left)
	hi, ok2 := constInt(n.Right)
	if !ok1 || !ok2 {
		return 0, false
	}
	return max(hi-lo+1, 0), true
}

// collectionSize is the size of a constant range argument.
func collectionSize(node ast.Node) (int64, bool) {
	if b, ok := node.(*ast.BinaryNode); ok && b.Operator == ".." {
		return rangeSize(b)
	}
	return 0, false
}

func constInt(node ast.Node) (int64, bool) {
	switch n := node.(type) {
	case *ast.IntegerNode:
		return int64(n.Value), true
	case *ast.FloatNode:
		if n.Value >= -9e18 && n.Value <= 9e18 {
			return int64(n.Value), true
		}
		return 1 << 62, true
	case *ast.UnaryNode:
		if v, ok := constInt(n.Node); ok && n.Operator == "-" {
			return -v, true
		}
	}
	return 0, false
}

func rangeText(n *ast.BinaryNode) string {
	lo, _ := constInt(n.Left)
	hi, _ := constInt(n.Right)
	return fmt.Sprintf("%d..%d", lo, hi)
}

func nestedText(mult int64) string {
	if mult <= 1 {
		return ""
	}
	return fmt.Sprintf(" (run %s times by the ranges around it)", count(mult))
}

// count writes a large number readably: 10000000000 → "10,000,000,000".
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	out := ""
	for len(s) > 3 {
		out = "," + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	return s + out
}
