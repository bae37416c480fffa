// Package scim parses and evaluates the SCIM-like filter expressions that Okta
// accepts in GET /api/v1/users?search=, GET /api/v1/users?filter= and
// GET /api/v1/logs?filter=. The Okta simulator (package oktatest) uses it to
// select users and System Log events the way a real org does.
//
// # Grammar
//
//	expr       = term *( "or" term )
//	term       = factor *( "and" factor )
//	factor     = "(" expr ")" | "not" "(" expr ")" | comparison
//	comparison = path "pr" | path op value
//	op         = "eq" | "ne" | "sw" | "co" | "ew" | "gt" | "ge" | "lt" | "le"
//	value      = string | number | "true" | "false" | "null"
//
// "and" binds tighter than "or"; parentheses group. Keywords and operators are
// case-insensitive, attribute paths are case-sensitive and passed to the
// [Resolver] verbatim. A path is dot-separated segments of ASCII letters,
// digits, "_" and "$" (profile.firstName, type.id, target.alternateId); it
// starts with a letter, "_" or "$" and has no empty segment. Strings are
// double-quoted with JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX); numbers
// use JSON syntax. Tokens need no whitespace between them where they are
// self-delimiting, e.g. (status eq "ACTIVE")and(id pr).
//
// Which operators, whether "not", which attributes and how values compare
// are decided by a [Dialect]; [UserSearch], [UserFilter] and [LogFilter]
// follow Okta's documentation.
//
// # Evaluation
//
// [Expr.Match] asks a [Resolver] for each attribute. A missing attribute never
// matches (so only "not" can turn it into a match). An array matches when any
// element matches. Strings compare as strings (case-folded when the dialect
// says so) unless both sides are RFC 3339 timestamps, which compare as times;
// a time.Time attribute compares with a string value parsed as RFC 3339.
// Numbers compare numerically whatever their Go type. "pr" is true for a
// value that is not null, not "", not the zero time and not an empty array.
//
// Every parse error is a *[SyntaxError] carrying the byte offset of the
// problem. [Expr.String] prints a canonical form that parses back to an
// expression with the same String and the same matches.
//
// # Use
//
// Parse once per request, then Match each candidate resource:
//
//	e, err := scim.Parse(r.URL.Query().Get("search"), scim.UserSearch)
//	if err != nil { /* 400 E0000031 "Invalid search criteria." */ }
//	for _, u := range users { // each user as decoded JSON, a map[string]any
//		if e.Match(scim.MapResolver(u)) { ... }
//	}
//
// For the System Log, Okta's errorSummary reads
// "Invalid filter '<expr>': <SyntaxError.Error()>" with code E0000053. The
// ready-made dialects do not know which custom profile attributes exist;
// to refuse unknown ones, copy the dialect and wrap its Attr.
package scim
