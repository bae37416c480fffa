package mapping

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// deepShapes builds, for a depth n, every way an expression can make
// expr's recursive parser go n levels deep.
func deepShapes(n int) map[string]string {
	r := strings.Repeat
	var lets strings.Builder
	for i := range n {
		fmt.Fprintf(&lets, "let a%d = 1; ", i)
	}
	return map[string]string{
		"parens":    r("(", n) + "1" + r(")", n),
		"brackets":  r("[", n) + "1" + r("]", n),
		"braces":    r("{a: ", n) + "1" + r(" }", n),
		"calls":     r("abs(", n) + "1" + r(")", n),
		"index":     r("trigger[", n) + `"a"` + r("]", n),
		"minus":     r("-", n) + "1",
		"plus":      r("+", n) + "1",
		"bang":      r("!", n) + "true",
		"not":       r("not ", n) + "true",
		"ternary":   r("true ? 1 : ", n) + "2",
		"ternary1":  r("true ? ", n) + "1" + r(" : 2", n),
		"power":     "2" + r(" ** 2", n),
		"caret":     "2" + r(" ^ 2", n),
		"let":       lets.String() + "a0",
		"if":        r("if true { 1 } else ", n) + "{ 2 }",
		"predicate": r("map([1], ", n) + "#" + r(")", n),
		"mixed":     r("-(", n) + "1" + r(")", n),
	}
}

// Deep nesting is refused with a clear error before expr's parser sees it:
// parsing it would overflow the goroutine stack, which no recover can
// catch (the whole service would go down).
func TestDeepNestingIsRefusedNotACrash(t *testing.T) {
	for _, n := range []int{MaxNesting + 1, 5000, 100_000} {
		shapes := deepShapes(n)
		if n == 100_000 { // a million brackets overflowed the 1 GB stack
			shapes["brackets"] = strings.Repeat("[", 1_000_000) + "1" + strings.Repeat("]", 1_000_000)
		}
		for shape, code := range shapes {
			_, err := CompileFields(map[string]string{"title": "{{ " + code + " }}"}, nil, nil)
			var fe *FieldError
			var pe *Error
			if !errors.As(err, &fe) || fe.Field != "title" || !errors.As(err, &pe) {
				t.Errorf("%s × %d: %v; want a compile error naming the field", shape, n, err)
				continue
			}
			want := "levels deep; at most 100"
			if len(code) > MaxTemplateSize {
				want = "at most 1 MiB"
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s × %d: %v; want the depth and its bound", shape, n, err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("%s × %d: the message is %d bytes long; it should quote the start only", shape, n, len(err.Error()))
			}
		}
	}
}

// Nesting within the bound compiles as before, whatever its shape (the
// scan counts no level the parser does not recurse on).
func TestNestingWithinTheBoundCompiles(t *testing.T) {
	for shape, code := range deepShapes(30) {
		if _, err := Parse("{{ " + code + " }}"); err != nil {
			t.Errorf("%s × 30: %v", shape, err)
		}
	}
	for _, src := range []string{
		`{{ [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20, -21, -22, -23, -24, -25, -26, -27, -28, -29, -30, -31, -32, -33, -34, -35, -36, -37, -38, -39, -40, -41, -42, -43, -44, -45, -46, -47, -48, -49, -50, -51, -52, -53, -54, -55, -56, -57, -58, -59, -60, -61, -62, -63, -64, -65, -66, -67, -68, -69, -70, -71, -72, -73, -74, -75, -76, -77, -78, -79, -80, -81, -82, -83, -84, -85, -86, -87, -88, -89, -90, -91, -92, -93, -94, -95, -96, -97, -98, -99, -100, -101, -102] }}`,
		"{{ 1" + strings.Repeat(" + 1", 500) + " }}",
		"{{ -1" + strings.Repeat(" - -1", 500) + " }}",
		"{{ trigger.a" + strings.Repeat(" ?? trigger.a", 300) + " }}",
		`{{ "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" }}`,
		`{{ trigger.a /* ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((( */ }}`,
		`{{ trigger.a not in ["x"] and not (trigger.b contains "y") }}`,
		`{{ trigger?.a?.b ?? "-" }}`,
	} {
		if _, err := Parse(src); err != nil {
			t.Errorf("%.60s…: %v", src, err)
		}
	}
}

// Random mixes of every nesting shape never crash Parse: they compile, or
// fail with an error.
func TestRandomNestingNeverCrashes(t *testing.T) {
	opens := []struct{ open, close string }{
		{"(", ")"}, {"[", "]"}, {"{a: ", "}"}, {"abs(", ")"}, {"-", ""}, {"!", ""}, {"not ", ""},
		{"true ? ", " : 1"}, {"1 ? 2 : ", ""}, {"let x = 1; ", ""}, {"2 ** ", ""}, {"map([1], ", ")"},
		{`"(" + `, ""}, {"trigger[", "]"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n := rng.IntN(3000) + 1
		var open, close strings.Builder
		var closes []string
		for range n {
			o := opens[rng.IntN(len(opens))]
			open.WriteString(o.open)
			closes = append(closes, o.close)
		}
		for i := len(closes) - 1; i >= 0; i-- {
			close.WriteString(closes[i])
		}
		src := "{{ " + open.String() + "1" + close.String() + " }}"
		_, _ = Parse(src) // must return; a stack overflow would end the test binary
	}
}

// A mapping or one expression beyond its size is refused with its size.
func TestOverlongExpressionIsRefused(t *testing.T) {
	_, err := Parse("{{ " + strings.Repeat("1 + ", MaxExprBytes/4) + "1 }}")
	if err == nil || !strings.Contains(err.Error(), "at most 8 KiB") {
		t.Errorf("long expression: %v", err)
	}
	_, err = Parse(strings.Repeat("x", MaxTemplateSize+1))
	if err == nil || !strings.Contains(err.Error(), "at most 1 MiB") {
		t.Errorf("long mapping: %v", err)
	}
}
