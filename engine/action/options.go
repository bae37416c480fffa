package action

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// CheckOption says what is wrong with v as the value of option o, or nil.
// Saving and the option editors use it, so that they never disagree.
func CheckOption(o Option, v any) error {
	switch o.Type {
	case OptionBoolean:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want true or false, got %v", v)
		}
	case OptionEnum:
		if s, ok := v.(string); !ok || !slices.Contains(o.Values, s) {
			return fmt.Errorf("want one of %s, got %v", strings.Join(o.Values, ", "), v)
		}
	case OptionInteger:
		n, ok := wholeNumber(v)
		switch {
		case !ok:
			return fmt.Errorf("want a whole number, got %v", v)
		case o.Max > o.Min && (n < int64(o.Min) || n > int64(o.Max)):
			return fmt.Errorf("want a number from %d to %d, got %d", o.Min, o.Max, n)
		}
	case OptionText:
		if _, ok := v.(string); !ok {
			return fmt.Errorf("want text, got %v", v)
		}
	}
	return nil
}

// wholeNumber reads a JSON-decoded whole number.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

// OptionSpec finds an action's option by name.
func OptionSpec(a Action, name string) (Option, bool) {
	for _, o := range a.Options() {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}
