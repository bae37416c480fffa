package mapping

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/vm/runtime"
)

// The checked builtins. expr's VM counts the elements of the lists and
// maps it builds itself, but not the bytes of text a builtin returns, nor
// the lists most builtins return, and what it counts it counts once built:
// repeat(trigger.s, 1000) allocates its gigabyte before the budget hears of
// it. So every expr builtin that can build more than its input is replaced
// by one of ours that takes the evaluation's budget (a hidden first
// argument, patched in by passBudget), works out the size of what it is
// about to build from its arguments, charges it, and only then builds it.
//
// The inventory of expr v1.17's builtins, and what bounds each:
//
//   - charged here, before they allocate: repeat, upper, lower, replace,
//     join, split, splitAfter, toJSON, string, toBase64, fromBase64,
//     fromJSON, keys, values, toPairs, fromPairs, concat, flatten, uniq
//     (uniq also for its time: expr's compares every pair);
//   - counted by the VM before they allocate: ranges (a..b), list and map
//     literals;
//   - bounded by their input, which is itself bounded (counted by the VM
//     after it is built, or data the event brought): reverse, sort, sortBy,
//     map, filter, groupBy (their predicates also take steps), take
//     (a slice of its input), median (a sorted copy);
//   - allocate nothing beyond a small value: all, any, none, one, find,
//     findIndex, findLast, findLastIndex, count, sum, len, type, abs, ceil,
//     floor, round, int, float, trim, trimPrefix, trimSuffix (slices of
//     their input), indexOf, lastIndexOf, hasPrefix, hasSuffix, max, min,
//     mean, now, duration, date, timezone, first, last, get, reduce, the
//     bit functions;
//   - operators: + on text is __add (charged); matches is __matches
//     (bounded in size and time, see sandbox.go); the others build nothing.
//
// Sizes are estimates that err on the large side: 16 bytes per element of
// a list, what a Go string or slice header costs.

// elemBytes is what one element of a list is charged.
const elemBytes = 16

// overBudget is a builtin refused for what it would build.
type overBudget struct {
	fn    string
	need  int64
	text  bool  // text (else lists and maps)
	limit int64 // the bound it breaks: MaxValueBytes for one text, else the budget
}

func (e *overBudget) Error() string { return e.fn + " would build " + sizeText(e.need) }

// text charges a text of size bytes that fn is about to build: at most a
// field's worth, and within what is left of the evaluation's budget.
func (b *budget) text(fn string, size int64) error {
	if err := b.alive(); err != nil {
		return err
	}
	if size > MaxValueBytes {
		return &overBudget{fn: fn, need: size, text: true, limit: MaxValueBytes}
	}
	if size > b.left {
		return &overBudget{fn: fn, need: size, text: true, limit: ByteBudget}
	}
	b.left -= size
	return nil
}

// list charges n elements (or map entries) that fn is about to build.
func (b *budget) list(fn string, n int64, per int64) error {
	if err := b.alive(); err != nil {
		return err
	}
	if n > VMBudget || n*per > b.left {
		return &overBudget{fn: fn, need: n * per, limit: ByteBudget}
	}
	b.left -= n * per
	return nil
}

// checkedBuiltin is one of ours: its name (expr's is disabled), its code,
// and its types as the user writes them (the budget comes first).
type checkedBuiltin struct {
	name  string
	fn    func(b *budget, args ...any) (any, error)
	types []any                                           // func signatures, *budget first
	valid func(args []reflect.Type) (reflect.Type, error) // instead of types
}

var checkedBuiltins = []checkedBuiltin{
	{name: "repeat", fn: checkedRepeat, types: []any{new(func(*budget, string, int) string)}},
	{name: "upper", fn: caseFunc("upper", strings.ToUpper), types: []any{new(func(*budget, string) string)}},
	{name: "lower", fn: caseFunc("lower", strings.ToLower), types: []any{new(func(*budget, string) string)}},
	{name: "replace", fn: checkedReplace, types: []any{
		new(func(*budget, string, string, string, int) string),
		new(func(*budget, string, string, string) string), // last: its error is the one shown
	}},
	{name: "join", fn: checkedJoin, types: []any{
		new(func(*budget, []any) string), new(func(*budget, []string, string) string),
		new(func(*budget, []string) string), new(func(*budget, []any, string) string),
	}},
	{name: "split", fn: splitFunc("split", strings.SplitN), types: splitTypes},
	{name: "splitAfter", fn: splitFunc("splitAfter", strings.SplitAfterN), types: splitTypes},
	{name: "toJSON", fn: checkedToJSON, types: []any{new(func(*budget, any) string)}},
	{name: "string", fn: checkedString, types: []any{new(func(*budget, any) string)}},
	{name: "toBase64", fn: checkedToBase64, types: []any{new(func(*budget, string) string)}},
	{name: "fromBase64", fn: checkedFromBase64, types: []any{new(func(*budget, string) string)}},
	{name: "fromJSON", fn: checkedFromJSON, types: []any{new(func(*budget, string) any)}},
	{name: "keys", fn: mapFunc("keys"), types: []any{new(func(*budget, map[string]any) []any)}},
	{name: "values", fn: mapFunc("values"), types: []any{new(func(*budget, map[string]any) []any)}},
	{name: "toPairs", fn: mapFunc("toPairs"), types: []any{new(func(*budget, map[string]any) []any)}},
	{name: "fromPairs", fn: checkedFromPairs, valid: listsValid("fromPairs", 1, 1, mapType)},
	{name: "concat", fn: checkedConcat, valid: listsValid("concat", 1, -1, listType)},
	{name: "flatten", fn: checkedFlatten, valid: listsValid("flatten", 1, 1, listType)},
	{name: "uniq", fn: checkedUniq, valid: listsValid("uniq", 1, 1, listType)},
}

var (
	splitTypes = []any{new(func(*budget, string, string, int) []string), new(func(*budget, string, string) []string)}
	listType   = reflect.TypeOf([]any{})
	mapType    = reflect.TypeOf(map[string]any{})
	budgetType = reflect.TypeOf(&budget{})
)

// checkedOptions disable expr's builtins that ours replace and declare ours.
func checkedOptions() []expr.Option {
	var opts []expr.Option
	for _, c := range checkedBuiltins {
		opts = append(opts, expr.DisableBuiltin(c.name), declare(c))
	}
	return append(opts, expr.Patch(passBudget{}))
}

func declare(c checkedBuiltin) expr.Option {
	return func(cfg *conf.Config) {
		fn := func(args ...any) (any, error) {
			b, ok := args[0].(*budget)
			if !ok {
				return nil, errors.New("internal: " + c.name + " without its budget")
			}
			return c.fn(b, args[1:]...)
		}
		f := &builtin.Function{Name: c.name, Func: fn, Validate: c.valid}
		for _, t := range c.types {
			f.Types = append(f.Types, reflect.TypeOf(t).Elem())
		}
		cfg.Functions[c.name] = f
	}
}

// passBudget rewrites a call of a checked builtin f(args) into
// f(__budget, args), pipes (x | upper()) included.
type passBudget struct{}

var checkedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range checkedBuiltins {
		m[c.name] = true
	}
	return m
}()

func (passBudget) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || !checkedNames[id.Value] {
		return
	}
	if len(call.Arguments) > 0 {
		if first, ok := call.Arguments[0].(*ast.IdentifierNode); ok && first.Value == budgetVar {
			return
		}
	}
	call.Arguments = append([]ast.Node{&ast.IdentifierNode{Value: budgetVar}}, call.Arguments...)
}

// listsValid type-checks a builtin over lists (or maps, for want=mapType's
// fromPairs: its argument is a list, its result a map): min to max (-1: any
// number) arguments after the budget, each a list or of unknown type.
func listsValid(name string, min, max int, result reflect.Type) func(args []reflect.Type) (reflect.Type, error) {
	return func(args []reflect.Type) (reflect.Type, error) {
		if len(args) == 0 || args[0] != budgetType {
			return nil, errors.New("internal: " + name + " without its budget")
		}
		args = args[1:]
		if len(args) < min || (max >= 0 && len(args) > max) {
			return nil, fmt.Errorf("%s takes %s, got %d arguments", name, argCount(min, max), len(args))
		}
		for i, a := range args {
			switch a.Kind() {
			case reflect.Interface, reflect.Slice, reflect.Array:
			default:
				return nil, fmt.Errorf("%s takes lists; argument %d is %s", name, i+1, a)
			}
		}
		return result, nil
	}
}

func argCount(min, max int) string {
	switch {
	case max < 0:
		return fmt.Sprintf("%d or more lists", min)
	case min == 1 && max == 1:
		return "one list"
	}
	return fmt.Sprintf("%d to %d lists", min, max)
}

func checkedRepeat(b *budget, args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("repeat(text, count) takes a text")
	}
	n := runtime.ToInt(args[1])
	if n < 0 {
		return nil, fmt.Errorf("repeat(text, count) takes a count of 0 or more, got %d", n)
	}
	if s == "" || n == 0 {
		return "", nil
	}
	size := int64(len(s)) * int64(min(n, MaxValueBytes+1)) // no overflow
	if err := b.text("repeat", size); err != nil {
		return nil, err
	}
	return strings.Repeat(s, n), nil
}

// caseFunc is upper or lower: a text of its input's size, half as large
// again at most when it is not ASCII (some letters take a byte more in
// the other case).
func caseFunc(name string, f func(string) string) func(b *budget, args ...any) (any, error) {
	return func(b *budget, args ...any) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, errors.New(name + " takes a text")
		}
		size := int64(len(s))
		if !isASCII(s) {
			size += size / 2
		}
		if err := b.text(name, size); err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkedReplace is replace(s, old, new[, n]): replacing "" or a short
// text by a long one multiplies.
func checkedReplace(b *budget, args ...any) (any, error) {
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
	if err := b.text("replace", size); err != nil {
		return nil, err
	}
	return strings.Replace(s, old, repl, n), nil
}

// checkedJoin is join(list[, sep]): a list of one long text repeated is
// cheap, its join is not.
func checkedJoin(b *budget, args ...any) (any, error) {
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
		if err := b.list("join", int64(len(l)), elemBytes); err != nil {
			return nil, err
		}
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
	if err := b.text("join", size); err != nil {
		return nil, err
	}
	return strings.Join(parts, sep), nil
}

// splitFunc is split or splitAfter(s, sep[, n]): a list of up to one
// element per separator (per character when sep is empty).
func splitFunc(name string, f func(s, sep string, n int) []string) func(b *budget, args ...any) (any, error) {
	return func(b *budget, args ...any) (any, error) {
		s, ok1 := args[0].(string)
		sep, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, errors.New(name + "(text, separator) takes texts")
		}
		n := -1
		if len(args) == 3 {
			n = runtime.ToInt(args[2])
		}
		pieces := int64(utf8.RuneCountInString(s))
		if sep != "" {
			pieces = int64(strings.Count(s, sep)) + 1
		}
		if n >= 0 && int64(n) < pieces {
			pieces = int64(n)
		}
		if err := b.list(name, pieces, elemBytes); err != nil {
			return nil, err
		}
		return f(s, sep, n), nil
	}
}

// checkedToJSON is toJSON(v) (indented, as expr writes it).
func checkedToJSON(b *budget, args ...any) (any, error) {
	size, ok := textSize(args[0], MaxValueBytes/2)
	if !ok {
		return nil, &overBudget{fn: "toJSON", need: size, text: true, limit: MaxValueBytes}
	}
	if err := b.text("toJSON", size); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(args[0], "", "  ")
	if err != nil {
		return nil, err
	}
	return string(out), nil
}

// checkedString is string(v), as expr writes it (%v).
func checkedString(b *budget, args ...any) (any, error) {
	if s, ok := args[0].(string); ok {
		return s, nil
	}
	size, ok := textSize(args[0], MaxValueBytes/2)
	if !ok {
		return nil, &overBudget{fn: "string", need: size, text: true, limit: MaxValueBytes}
	}
	if err := b.text("string", size); err != nil {
		return nil, err
	}
	return builtin.String(args[0]), nil
}

func checkedToBase64(b *budget, args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("toBase64 takes a text")
	}
	if err := b.text("toBase64", int64(base64.StdEncoding.EncodedLen(len(s)))); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func checkedFromBase64(b *budget, args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("fromBase64 takes a text")
	}
	if err := b.text("fromBase64", int64(base64.StdEncoding.DecodedLen(len(s)))); err != nil {
		return nil, err
	}
	out, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("fromBase64: not base64 text: %v", err)
	}
	return string(out), nil
}

// checkedFromJSON is fromJSON(s), with DecodeJSON's numbers (a whole
// number stays exact). Its charge: the text twice (the decoder's copy and
// the strings it holds) and 48 bytes per value (a value, its slot in its
// list or object), counted by a scan that allocates nothing.
func checkedFromJSON(b *budget, args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("fromJSON takes a text")
	}
	if err := b.text("fromJSON", int64(len(s))); err != nil {
		return nil, err
	}
	if err := b.list("fromJSON", jsonValues(s), 48); err != nil {
		return nil, err
	}
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("fromJSON: not JSON: %v", err)
	}
	return v, nil
}

// jsonValues is at most how many values the JSON text s holds: one more
// than its separators and openings outside strings.
func jsonValues(s string) int64 {
	n := int64(1)
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == ',' || c == ':' || c == '[' || c == '{'):
			n++
		}
	}
	return n
}

// mapFunc is keys, values or toPairs of an object, in expr's way (in the
// map's order); a pair is a list of two.
func mapFunc(name string) func(b *budget, args ...any) (any, error) {
	return func(b *budget, args ...any) (any, error) {
		m, ok := args[0].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s takes an object, got %s", name, kindOf(args[0]))
		}
		per := int64(elemBytes)
		if name == "toPairs" {
			per += 2*elemBytes + 24 // the pair's two elements and its header
		}
		if err := b.list(name, int64(len(m)), per); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(m))
		for k, v := range m {
			switch name {
			case "keys":
				out = append(out, k)
			case "values":
				out = append(out, v)
			default:
				out = append(out, []any{k, v})
			}
		}
		return out, nil
	}
}

func checkedFromPairs(b *budget, args ...any) (any, error) {
	pairs := reflect.ValueOf(args[0])
	if pairs.Kind() != reflect.Slice && pairs.Kind() != reflect.Array {
		return nil, fmt.Errorf("fromPairs takes a list of [key, value] pairs, got %s", kindOf(args[0]))
	}
	if err := b.list("fromPairs", int64(pairs.Len()), 4*elemBytes); err != nil {
		return nil, err
	}
	out := make(map[string]any, pairs.Len())
	for i := range pairs.Len() {
		pair := reflect.ValueOf(pairs.Index(i).Interface())
		if (pair.Kind() != reflect.Slice && pair.Kind() != reflect.Array) || pair.Len() != 2 {
			return nil, fmt.Errorf("fromPairs: item %d is not a [key, value] pair", i)
		}
		key, ok := pair.Index(0).Interface().(string)
		if !ok {
			return nil, fmt.Errorf("fromPairs: the key of item %d is not a text", i)
		}
		out[key] = pair.Index(1).Interface()
	}
	return out, nil
}

func checkedConcat(b *budget, args ...any) (any, error) {
	total := int64(0)
	for i, a := range args {
		v := reflect.ValueOf(a)
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return nil, fmt.Errorf("concat takes lists; argument %d is %s", i+1, kindOf(a))
		}
		total += int64(v.Len())
	}
	if err := b.list("concat", total, elemBytes); err != nil {
		return nil, err
	}
	out := make([]any, 0, total)
	for _, a := range args {
		v := reflect.ValueOf(a)
		for i := range v.Len() {
			out = append(out, v.Index(i).Interface())
		}
	}
	return out, nil
}

// checkedFlatten counts the leaves first (without building), charges
// them, then builds the list.
func checkedFlatten(b *budget, args ...any) (any, error) {
	v := reflect.ValueOf(args[0])
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return nil, fmt.Errorf("flatten takes a list, got %s", kindOf(args[0]))
	}
	var leaves int64
	var count func(v reflect.Value, depth int) error
	count = func(v reflect.Value, depth int) error {
		if depth > maxValueDepth {
			return fmt.Errorf("flatten: the list nests more than %d levels deep", maxValueDepth)
		}
		for i := range v.Len() {
			e := reflect.ValueOf(v.Index(i).Interface())
			if e.Kind() == reflect.Slice || e.Kind() == reflect.Array {
				if err := count(e, depth+1); err != nil {
					return err
				}
				continue
			}
			leaves++
			if leaves > VMBudget {
				return &overBudget{fn: "flatten", need: leaves * elemBytes, limit: ByteBudget}
			}
		}
		return nil
	}
	if err := count(v, 0); err != nil {
		return nil, err
	}
	if err := b.list("flatten", leaves, elemBytes); err != nil {
		return nil, err
	}
	out := make([]any, 0, leaves)
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.Len() {
			e := v.Index(i).Interface()
			if ev := reflect.ValueOf(e); ev.Kind() == reflect.Slice || ev.Kind() == reflect.Array {
				walk(ev)
				continue
			}
			out = append(out, e)
		}
	}
	walk(v)
	return out, nil
}

// checkedUniq is uniq(list): the first of each group of equal items, in
// order. Texts, numbers, booleans and null are found through a set (expr's
// compares every pair, hours for a long list, unstoppable); lists and
// objects, which no set can hold, pairwise, a step charged per compare.
func checkedUniq(b *budget, args ...any) (any, error) {
	v := reflect.ValueOf(args[0])
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return nil, fmt.Errorf("uniq takes a list, got %s", kindOf(args[0]))
	}
	// Each item: its place in the result, and a key in the set.
	if err := b.list("uniq", int64(v.Len()), 3*elemBytes); err != nil {
		return nil, err
	}
	seen := map[any]bool{}
	var out, others []any
	for i := range v.Len() {
		e := v.Index(i).Interface()
		if k, ok := keyOf(e); ok {
			if !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
			continue
		}
		dup := false
		for _, o := range others {
			if err := b.step(); err != nil {
				return nil, err
			}
			if runtime.Equal(e, o) {
				dup = true
				break
			}
		}
		if !dup {
			others = append(others, e)
			out = append(out, e)
		}
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// keyOf is a scalar as expr's == sees it, as a map key: 1 and 1.0 are one
// number (an int64), a text is itself; lists, objects and NaN have none.
func keyOf(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nullKey{}, true
	case string, bool, int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 9e18 {
			return int64(x), true
		}
		if math.IsNaN(x) {
			return nil, false // NaN equals nothing: compared pairwise
		}
		return x, true
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, true
		}
		return numberKey(x), true
	}
	return nil, false
}

type (
	nullKey   struct{}
	numberKey string // digits beyond int64
)
