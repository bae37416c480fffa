package scim

import "strings"

// maxDepth bounds the nesting of parentheses and "not", so that a hostile
// expression cannot exhaust the stack of the request that parses it.
const maxDepth = 100

// Parse parses expr under dialect d. Every error is a *[SyntaxError] naming
// what was wrong and the byte offset where it is, e.g.
// `unrecognized attribute operator "eqq"; expected eq, sw, co, pr, gt, ge, lt or le at position 16`.
// The returned Expr is immutable and safe for concurrent use.
func Parse(expr string, d Dialect) (Expr, error) {
	p := &parser{d: &d, lx: lexer{src: expr}}
	e, err := p.parse()
	if err != nil {
		// Return a nil interface, not a typed nil *SyntaxError.
		return nil, err
	}
	return e, nil
}

// parser is a recursive-descent parser with one token of lookahead.
type parser struct {
	d     *Dialect
	lx    lexer
	tok   token // the current, not yet consumed token
	depth int
}

func (p *parser) parse() (Expr, *SyntaxError) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, errAt(p.tok.pos, "empty expression")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("and, or or end of expression")
	}
	return e, nil
}

// advance moves to the next token.
func (p *parser) advance() *SyntaxError {
	tok, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = tok
	return nil
}

// unexpected reports the current token where something else was wanted.
func (p *parser) unexpected(want string) *SyntaxError {
	return errAt(p.tok.pos, "expected %s, found %s", want, p.tok.describe())
}

// parseOr parses term *("or" term).
func (p *parser) parseOr() (Expr, *SyntaxError) {
	return p.parseList("or", p.parseAnd, func(xs []Expr) Expr { return orExpr(xs) })
}

// parseAnd parses factor *("and" factor).
func (p *parser) parseAnd() (Expr, *SyntaxError) {
	return p.parseList("and", p.parseFactor, func(xs []Expr) Expr { return andExpr(xs) })
}

// parseList parses operands separated by the keyword sep. A single operand
// is returned as is; operands that are themselves sep-lists (from
// parentheses) are spliced in, since and/or are associative.
func (p *parser) parseList(sep string, operand func() (Expr, *SyntaxError), build func([]Expr) Expr) (Expr, *SyntaxError) {
	var xs []Expr
	for {
		x, err := operand()
		if err != nil {
			return nil, err
		}
		xs = appendFlat(xs, x, sep)
		if !p.tok.is(sep) {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return build(xs), nil
}

// appendFlat appends x to xs, splicing x's operands if x is a sep-list.
func appendFlat(xs []Expr, x Expr, sep string) []Expr {
	switch y := x.(type) {
	case andExpr:
		if sep == "and" {
			return append(xs, y...)
		}
	case orExpr:
		if sep == "or" {
			return append(xs, y...)
		}
	}
	return append(xs, x)
}

// parseFactor parses "(" expr ")", "not" "(" expr ")" or a comparison.
func (p *parser) parseFactor() (Expr, *SyntaxError) {
	switch {
	case p.tok.kind == tokLParen:
		return p.parseGroup()
	case p.tok.is("not"):
		if !p.d.AllowNot {
			return nil, errAt(p.tok.pos, "not is not supported here")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tokLParen {
			return nil, p.unexpected(`"(" after not`)
		}
		x, err := p.parseGroup()
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	case p.tok.is("and") || p.tok.is("or"):
		return nil, p.unexpected("attribute path or (")
	case p.tok.kind == tokWord:
		return p.parseComparison()
	}
	return nil, p.unexpected("attribute path or (")
}

// parseGroup parses "(" expr ")"; the current token is the "(".
func (p *parser) parseGroup() (Expr, *SyntaxError) {
	open := p.tok.pos
	if p.depth++; p.depth > maxDepth {
		return nil, errAt(open, "expression nested more than %d deep", maxDepth)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokRParen {
		if p.tok.kind == tokEOF {
			return nil, errAt(open, "unclosed (")
		}
		return nil, p.unexpected("and, or or )")
	}
	p.depth--
	return x, p.advance()
}

// parseComparison parses path "pr" or path op value; the current token is
// the path word.
func (p *parser) parseComparison() (Expr, *SyntaxError) {
	pathTok := p.tok
	path := pathTok.text
	if strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") || strings.Contains(path, "..") {
		return nil, errAt(pathTok.pos, "invalid attribute path %q: empty segment", path)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokWord {
		return nil, p.unexpected("attribute operator after " + path)
	}
	op, ok := lookupOp(p.tok.text)
	if !ok {
		return nil, errAt(p.tok.pos, "unrecognized attribute operator %q; expected %s", p.tok.text, p.d.opList())
	}
	if !p.d.allows(op) {
		return nil, unsupported(errAt(p.tok.pos, "operator %s is not supported; expected %s", op, p.d.opList()))
	}
	if p.d.Attr != nil {
		if err := p.d.Attr(path, op); err != nil {
			return nil, &SyntaxError{Pos: pathTok.pos, Msg: err.Error(), Err: err, Unsupported: true}
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c := &compareExpr{path: path, op: op, fold: p.d.CaseInsensitiveValues}
	if op == Pr {
		if _, isValue := p.value(); isValue {
			return nil, errAt(p.tok.pos, "pr takes no value")
		}
		return c, nil
	}
	lit, isValue := p.value()
	if !isValue {
		return nil, p.unexpected("a value (quoted string, number, true, false or null) after " + op.String())
	}
	if err := p.check(path, op, lit); err != nil {
		return nil, unsupported(err)
	}
	c.lit = lit
	return c, p.advance()
}

// value converts the current token to a literal, if it is one.
func (p *parser) value() (literal, bool) {
	switch {
	case p.tok.kind == tokString:
		return stringLiteral(p.tok.val), true
	case p.tok.kind == tokNumber:
		return literal{kind: kindNumber, text: p.tok.text, num: p.tok.num}, true
	case p.tok.is("true"), p.tok.is("false"):
		return literal{kind: kindBool, b: p.tok.is("true")}, true
	case p.tok.is("null"):
		return literal{kind: kindNull}, true
	}
	return literal{}, false
}

// check enforces which values an operator and a time attribute take; the
// current token is the value.
func (p *parser) check(path string, op Op, lit literal) *SyntaxError {
	switch {
	case op.substring() && lit.kind != kindString:
		return errAt(p.tok.pos, "%s needs a string value, found %s", op, lit.describe())
	case op.ordering() && lit.kind != kindString && lit.kind != kindNumber:
		return errAt(p.tok.pos, "%s needs a string or number value, found %s", op, lit.describe())
	case !p.d.isTimeAttr(path):
		return nil
	case lit.kind == kindNull && (op == Eq || op == Ne):
		return nil
	case lit.kind != kindString || !lit.isTime:
		return errAt(p.tok.pos, "%s needs an RFC 3339 timestamp such as \"2020-08-27T18:19:24.000Z\", found %s", path, p.tok.describe())
	}
	return nil
}

// unsupported marks e as a well-formed expression the dialect refuses.
func unsupported(e *SyntaxError) *SyntaxError {
	e.Unsupported = true
	return e
}
