package oktatest

import (
	"fmt"
	"slices"
)

// getSchema is GET /api/v1/meta/schemas/user/{default|osc…}.
func (o *Org) getSchema(c *call) *reply {
	if e := o.schemaParam(c); e != nil {
		return fail(e)
	}
	return ok(o.renderSchema(c.base))
}

func (o *Org) schemaParam(c *call) *apiError {
	if id := c.params[0]; id != "default" && id != o.meta.schemaID() {
		return errNotFound(id, "UserSchema")
	}
	return nil
}

// updateSchema is POST /api/v1/meta/schemas/user/default, a partial update
// of definitions.custom.properties: an object adds or replaces a property,
// null removes it (and its values from every user). Base properties are
// fixed here. The answer is the whole schema.
func (o *Org) updateSchema(c *call) *reply {
	if e := o.schemaParam(c); e != nil {
		return fail(e)
	}
	doc, err := decodeOrdered(c.body)
	body, isObject := doc.(object)
	if err != nil || !isObject {
		return fail(errMalformed)
	}
	defs, _ := body.get("definitions")
	custom, _ := objectAt(defs, "custom")
	props, _ := objectAt(custom, "properties")
	var changes []customProp
	var removed []string
	for _, m := range props {
		if m.val == nil {
			removed = append(removed, m.key)
			continue
		}
		def, e := o.normalizeCustom(m.key, m.val)
		if e != nil {
			return fail(e)
		}
		changes = append(changes, customProp{Name: m.key, Def: def})
	}
	for _, name := range removed {
		o.schema.Custom = slices.DeleteFunc(o.schema.Custom, func(p customProp) bool { return p.Name == name })
		for _, u := range o.users {
			delete(u.Profile, name)
		}
	}
	for _, ch := range changes {
		if i := slices.IndexFunc(o.schema.Custom, func(p customProp) bool { return p.Name == ch.Name }); i >= 0 {
			o.schema.Custom[i] = ch
		} else {
			o.schema.Custom = append(o.schema.Custom, ch)
		}
	}
	o.schema.LastUpdated = c.now
	return ok(o.renderSchema(c.base))
}

// objectAt returns v[key] when v is an object and that value is one too.
func objectAt(v any, key string) (object, bool) {
	obj, isObject := v.(object)
	if !isObject {
		return nil, false
	}
	child, _ := obj.get(key)
	inner, isObject := child.(object)
	return inner, isObject
}

// customOrder is the order Okta writes a custom property's keys in.
var customOrder = []string{"title", "description", "type", "required", "unique", "mutability", "scope",
	"minLength", "maxLength", "pattern", "format", "enum", "oneOf", "items", "default",
	"externalName", "externalNamespace", "permissions", "master"}

// normalizeCustom turns a requested custom property into what Okta stores
// and answers (recorded in TestAccDataSourceOktaUser_read and
// TestAccResourceOktaUserSchema_enum_string): keys in Okta's order,
// "required": false dropped, "unique": true as "UNIQUE_VALIDATED",
// mutability READ_WRITE and scope NONE by default, and master kept only by
// orgs that echo it (Shape.SchemaMaster).
func (o *Org) normalizeCustom(name string, v any) (object, *apiError) {
	in, isObject := v.(object)
	subject := "definitions.custom.properties." + name
	if !isObject {
		return nil, errValidation(subject, name+": The property definition must be an object")
	}
	if !attrName.MatchString(name) {
		return nil, errValidation(subject, name+": The property name must start with a letter and hold only letters, digits and _")
	}
	if _, isBase := baseProperty(name); isBase {
		return nil, errValidation(subject, name+": A base property of that name exists already")
	}
	if typ, _ := in.get("type"); !slices.Contains(attrTypes, fmt.Sprint(typ)) {
		return nil, errValidation(subject, fmt.Sprintf("%s: The type must be one of string, integer, number, boolean or array (got %v)", name, typ))
	}
	if title, _ := in.get("title"); title == nil || title == "" {
		return nil, errValidation(subject, name+": The title cannot be left blank")
	}
	out := object{}
	for _, k := range customOrder {
		val, present := in.get(k)
		switch {
		case k == "required" && val != true:
			continue
		case k == "unique":
			if val == true || val == "UNIQUE_VALIDATED" {
				out = append(out, member{k, "UNIQUE_VALIDATED"})
			}
			continue
		case k == "mutability" && !present:
			val, present = "READ_WRITE", true
		case k == "scope" && !present:
			val, present = "NONE", true
		case k == "permissions" && !present:
			val, present = []object{{{"principal", "SELF"}, {"action", "READ_ONLY"}}}, true
		case k == "permissions":
			val = orderPermissions(val)
		case k == "master" && !o.opts.Shape.SchemaMaster:
			continue
		}
		if present {
			out = append(out, member{k, val})
		}
	}
	return out, nil
}

// orderPermissions writes each permission as Okta does: principal, then action.
func orderPermissions(v any) any {
	list, isList := v.([]any)
	if !isList {
		return v
	}
	out := make([]any, len(list))
	for i, p := range list {
		out[i] = p
		if obj, isObject := p.(object); isObject {
			ordered := object{}
			for _, k := range []string{"principal", "action"} {
				if val, has := obj.get(k); has {
					ordered = append(ordered, member{k, val})
				}
			}
			for _, m := range obj {
				if m.key != "principal" && m.key != "action" {
					ordered = append(ordered, m)
				}
			}
			out[i] = ordered
		}
	}
	return out
}
