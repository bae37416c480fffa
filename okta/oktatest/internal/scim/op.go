package scim

import (
	"fmt"
	"strings"
)

// Op is an attribute operator. The zero Op is invalid.
type Op uint8

// The attribute operators. Pr takes no value; the others take one.
const (
	Eq Op = iota + 1 // equal
	Ne               // not equal
	Sw               // starts with
	Co               // contains
	Ew               // ends with
	Pr               // present: has a value other than null, "", the zero time or an empty array
	Gt               // greater than
	Ge               // greater than or equal
	Lt               // less than
	Le               // less than or equal
)

// allOps lists every operator in the order error messages name them.
var allOps = []Op{Eq, Ne, Sw, Co, Ew, Pr, Gt, Ge, Lt, Le}

var opNames = [...]string{
	Eq: "eq", Ne: "ne", Sw: "sw", Co: "co", Ew: "ew",
	Pr: "pr", Gt: "gt", Ge: "ge", Lt: "lt", Le: "le",
}

// String returns the operator's keyword, e.g. "eq".
func (o Op) String() string {
	if o >= Eq && o <= Le {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// lookupOp finds the operator spelled word, in any letter case.
func lookupOp(word string) (Op, bool) {
	for _, o := range allOps {
		if strings.EqualFold(word, opNames[o]) {
			return o, true
		}
	}
	return 0, false
}

// ordering reports whether o compares by order (gt, ge, lt, le).
func (o Op) ordering() bool { return o >= Gt && o <= Le }

// substring reports whether o is a string match (sw, co, ew).
func (o Op) substring() bool { return o == Sw || o == Co || o == Ew }
