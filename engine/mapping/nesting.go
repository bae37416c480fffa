package mapping

import (
	"fmt"
	"strings"
)

// Source bounds, checked before an expression reaches expr's parser.
//
// expr parses by recursive descent: every bracket, unary operator, ternary
// "?", let, if and right-associative ** or ^ is one more level of Go
// recursion, in the parser and again in the checker, the patches and the
// compiler. A template nested deeply enough ([[[[…]]]] a million times)
// overflows the goroutine's stack, and a Go stack overflow is fatal: no
// recover, the whole service goes down. So each expression's nesting is
// measured here, by a scan that needs no recursion, and one that nests
// deeper than MaxNesting never reaches the parser; nor does one longer than
// MaxExprBytes (the scan is linear, the parser's work on a long expression
// is what MaxNodes bounds only after it is done).
const (
	MaxNesting      = 100     // levels one expression may nest
	MaxExprBytes    = 8 << 10 // bytes of one {{ expression }}
	MaxTemplateSize = 1 << 20 // bytes of a field's whole mapping
)

// CheckSource refuses an expression that expr must not be given: one that
// nests deeper than MaxNesting or is longer than MaxExprBytes. Every
// expr-lang expression a user writes (a field's template, a trigger's
// filter) goes through it before it is parsed.
func CheckSource(code string) error {
	if depth := nestingDepth(code); depth > MaxNesting {
		return fmt.Errorf("the expression nests %s levels deep; at most %d (counting brackets, calls, unary operators, ?: and let chains): split it into simpler parts", count(int64(depth)), MaxNesting)
	}
	if len(code) > MaxExprBytes {
		return fmt.Errorf("the expression is %s bytes long; at most %s: shorten it, or split it over several {{ }}", count(int64(len(code))), sizeText(MaxExprBytes))
	}
	return nil
}

// pending is one level of recursion the parser has open inside a bracket:
// a unary operator or binary operator's right operand (which ends at the
// first binary operator of lower precedence), a ternary's branch or a let
// (which end only with the bracket, a comma or a semicolon).
type pending struct {
	prec int // the operand goes on through binary operators of at least this precedence
	let  bool
}

// Precedences as expr's parser has them (parser/operator).
var (
	binaryPrec = map[string]int{
		"|": 0, "or": 10, "||": 10, "and": 15, "&&": 15,
		"==": 20, "!=": 20, "<": 20, ">": 20, ">=": 20, "<=": 20,
		"in": 20, "matches": 20, "contains": 20, "startsWith": 20, "endsWith": 20,
		"..": 25, "+": 30, "-": 30, "*": 60, "/": 60, "%": 60,
		"**": 100, "^": 100, "??": 500,
	}
	unaryPrec = map[string]int{"not": 50, "!": 50, "-": 90, "+": 90}
)

// nestingDepth is the deepest the parser would recurse on code, counted
// without recursion: the open brackets plus, inside each, the operands and
// branches still open. It counts generously (a little deeper than the
// parser goes, never less), skipping strings and comments.
func nestingDepth(code string) int {
	levels := [][]pending{nil} // one per open bracket, the outermost first
	open, deepest := 0, 0      // pending entries over all levels
	operand := false           // the previous token ended an operand
	note := func() {
		if d := len(levels) - 1 + open; d > deepest {
			deepest = d
		}
	}
	push := func(p pending) {
		top := len(levels) - 1
		levels[top] = append(levels[top], p)
		open++
		note()
	}
	// endOperands closes the operands a binary operator of precedence prec ends.
	endOperands := func(prec int) {
		top := len(levels) - 1
		l := levels[top]
		for len(l) > 0 && !l[len(l)-1].let && l[len(l)-1].prec > prec {
			l = l[:len(l)-1]
			open--
		}
		levels[top] = l
	}
	// endAll closes what is open inside the innermost bracket (but its
	// lets, when keepLets: a let's body goes on after its semicolon).
	endAll := func(keepLets bool) {
		top := len(levels) - 1
		l := levels[top]
		for len(l) > 0 && (!keepLets || !l[len(l)-1].let) {
			l = l[:len(l)-1]
			open--
		}
		levels[top] = l
	}
	binary := func(op string) {
		prec := binaryPrec[op]
		endOperands(prec)
		switch {
		case op == "|": // a pipe is parsed in the loop, no deeper
		case op == "**" || op == "^":
			push(pending{prec: prec})
		default:
			push(pending{prec: prec + 1})
		}
		operand = false
	}
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '"' || c == '\'' || c == '`':
			i = skipString(code, i)
			operand = true
			continue
		case c == '/' && i+1 < len(code) && code[i+1] == '/':
			if j := strings.IndexByte(code[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(code)
			}
			continue
		case c == '/' && i+1 < len(code) && code[i+1] == '*':
			if j := strings.Index(code[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(code)
			}
			continue
		case c == '(' || c == '[' || c == '{':
			levels = append(levels, nil)
			note()
			operand = false
		case c == ')' || c == ']' || c == '}':
			if len(levels) > 1 {
				open -= len(levels[len(levels)-1])
				levels = levels[:len(levels)-1]
			}
			operand = true
		case c == ',':
			endAll(false)
			operand = false
		case c == ';':
			endAll(true)
			operand = false
		case c == '?' && i+1 < len(code) && (code[i+1] == '?' || code[i+1] == '.'):
			if code[i+1] == '?' {
				binary("??")
			}
			i += 2
			continue
		case c == '?':
			endOperands(0)
			push(pending{prec: 0})
			operand = false
		case c == ':':
			endOperands(0)
			operand = false
		case c == '.' && i+1 < len(code) && code[i+1] == '.':
			binary("..")
			i += 2
			continue
		case c == '.' || c == '#':
			operand = true // a member, or a predicate's pointer
		case isWordByte(c):
			j := i
			for j < len(code) && isWordByte(code[j]) {
				j++
			}
			word := code[i:j]
			i = j
			switch {
			case word == "let":
				push(pending{let: true})
				operand = false
			case word == "if":
				push(pending{prec: 0})
				operand = false
			case word == "else":
				operand = false
			case word == "not" && operand:
				// "not in", "not contains"…: the next word is the operator
			case word == "not":
				push(pending{prec: unaryPrec[word]})
			default:
				if _, ok := binaryPrec[word]; ok && operand {
					binary(word)
				} else {
					operand = true
				}
			}
			continue
		default:
			op := operatorAt(code[i:])
			i += len(op)
			if u, ok := unaryPrec[op]; ok && !operand {
				push(pending{prec: u})
			} else if _, ok := binaryPrec[op]; ok {
				binary(op)
			} else {
				operand = false // = of a let, or a character the parser will refuse
			}
			continue
		}
		i++
	}
	return deepest
}

// operatorAt is the operator that starts s: two characters when they make
// one (**, &&, ||, ==, !=, <=, >=), else one.
func operatorAt(s string) string {
	if len(s) >= 2 {
		switch s[:2] {
		case "**", "&&", "||", "==", "!=", "<=", ">=":
			return s[:2]
		}
	}
	return s[:1]
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// skipString returns the index just past the string literal at s[i].
func skipString(s string, i int) int {
	quote := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && quote != '`':
			j++
		case s[j] == quote:
			return j + 1
		}
	}
	return len(s)
}

// shortCode is an expression as an error quotes it: whole when short, else
// its start, so that a message stays readable (and small) whatever was
// written.
func shortCode(code string) string {
	const max = 80
	if len(code) <= max {
		return code
	}
	cut := max
	for cut > 0 && code[cut]&0xC0 == 0x80 { // not inside a UTF-8 character
		cut--
	}
	return code[:cut] + "…"
}
