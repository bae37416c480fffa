package oktatest

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// emailPattern is what Okta accepts as an email address (login, email,
// secondEmail): something@domain.tld.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$`)

// Cause texts recorded from (or documented for) real orgs.
const (
	causeBlank        = "The field cannot be left blank"
	causeLoginEmail   = "Username must be in the form of an email address"
	causePattern      = "Does not match required pattern"
	causeLoginTaken   = "login: An object with this field already exists in the current organization"
	causeUndefinedFmt = "Property name '%s' is not defined in profile"
)

// validateProfile checks a whole profile the way Okta does on create and
// replace, in the order real orgs were seen to use: required base
// properties and formats; then properties the schema does not define
// (summary "Api validation failed: <subject>", recorded with subject
// "newUser"); then custom attribute types; then the uniqueness of the login
// (self is the user being replaced, nil on create). Every problem of a stage
// is listed as a cause.
func (o *Org) validateProfile(p map[string]any, subject string, self *user) *apiError {
	var v violations
	for _, k := range baseRequired {
		if s, isString := p[k].(string); p[k] == nil || isString && strings.TrimSpace(s) == "" {
			v.add(k, causeBlank)
		}
	}
	if login, _ := p["login"].(string); !emailPattern.MatchString(login) {
		v.add("login", causeLoginEmail)
	}
	for _, a := range baseAttrs {
		val, present := p[a.name]
		if !present {
			continue
		}
		s, isString := val.(string)
		if !isString {
			v.add(a.name, "The field must be a string")
			continue
		}
		if a.format == "email" && strings.TrimSpace(s) != "" && !emailPattern.MatchString(s) {
			v.add(a.name, causePattern)
		}
		v.length(a.name, s, a.minLength, a.maxLength)
	}
	if e := v.err(); e != nil {
		return e
	}

	var undefined []string
	for k := range p {
		if _, isBase := baseProperty(k); !isBase {
			if _, isCustom := o.schema.customDef(k); !isCustom {
				undefined = append(undefined, fmt.Sprintf(causeUndefinedFmt, k))
			}
		}
	}
	if undefined != nil {
		slices.Sort(undefined)
		return errValidation(subject, undefined...)
	}

	for _, c := range o.schema.Custom {
		v.custom(c.Name, c.Def, p[c.Name])
	}
	if e := v.err(); e != nil {
		return e
	}

	if login, _ := p["login"].(string); o.loginTaken(login, self) {
		return errValidation("login", causeLoginTaken)
	}
	return nil
}

// loginTaken reports whether another user than self has login (any case).
func (o *Org) loginTaken(login string, self *user) bool {
	u := o.byLogin[strings.ToLower(login)]
	return u != nil && u != self
}

// violations collects "<field>: <message>" causes; the summary names the
// first field.
type violations struct {
	first  string
	causes []string
}

func (v *violations) add(field, msg string) {
	if v.first == "" {
		v.first = field
	}
	v.causes = append(v.causes, field+": "+msg)
}

func (v *violations) err() *apiError {
	if v.causes == nil {
		return nil
	}
	return errValidation(v.first, v.causes...)
}

// length checks a string against minLength/maxLength (0: no bound).
func (v *violations) length(field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case minLen > 0 && n < minLen && n > 0:
		v.add(field, fmt.Sprintf("The field cannot be shorter than %d characters", minLen))
	case maxLen > 0 && n > maxLen:
		v.add(field, fmt.Sprintf("The field cannot be longer than %d characters", maxLen))
	}
}

// custom checks one custom attribute value against its schema object.
func (v *violations) custom(name string, def object, val any) {
	if val == nil {
		if r, _ := def.get("required"); r == true {
			v.add(name, causeBlank)
		}
		return
	}
	typ, _ := def.get("type")
	if typ == "array" {
		arr, isArray := val.([]any)
		if !isArray {
			v.add(name, "The field must be an array")
			return
		}
		items, _ := def.get("items")
		itemDef, _ := items.(object)
		itemType, _ := itemDef.get("type")
		for _, e := range arr {
			if !v.scalar(name, itemType, itemDef, e) {
				return
			}
		}
		return
	}
	v.scalar(name, typ, def, val)
}

// scalar checks one value against a type and the enum and lengths of def.
func (v *violations) scalar(name string, typ any, def object, val any) bool {
	okType := true
	switch typ {
	case "string", nil:
		_, okType = val.(string)
	case "boolean":
		_, okType = val.(bool)
	case "number":
		_, okType = val.(float64)
	case "integer":
		f, isNumber := val.(float64)
		okType = isNumber && f == math.Trunc(f)
	}
	if !okType {
		v.add(name, fmt.Sprintf("The field must be of type %v", typ))
		return false
	}
	if enum, hasEnum := def.get("enum"); hasEnum {
		if list, _ := enum.([]any); !slices.Contains(list, val) {
			v.add(name, "Does not match one of the enumerated values")
			return false
		}
	}
	if s, isString := val.(string); isString {
		v.length(name, s, intOf(def, "minLength"), intOf(def, "maxLength"))
	}
	return true
}

// intOf reads a numeric property of a schema object, 0 when absent.
func intOf(def object, key string) int {
	switch n, _ := def.get(key); x := n.(type) {
	case float64:
		return int(x)
	case int:
		return x
	}
	return 0
}
