package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/storage"
)

// kissflowUpdateItem writes values into a Kissflow item: by default the item
// whose completion started the run, as the seed's "these values will be
// added to item fields after the action is executed".
//
// Idempotent by comparison: it reads the item first and sends only the
// fields whose value differs (a partial update; outcome "unchanged", no
// write, when none does). The item's own fields are mapped by their
// Kissflow field ids (Traits.OpenFields); item.process and item.id name
// another item.
type kissflowUpdateItem struct{}

func (kissflowUpdateItem) ID() string    { return "kissflow.update_item" }
func (kissflowUpdateItem) Title() string { return "Update a Kissflow item" }
func (kissflowUpdateItem) Description() string {
	return "Write values (an Okta id, a status) into the Kissflow item that triggered the run, or any item"
}
func (kissflowUpdateItem) Traits() Traits {
	return Traits{Connector: ConnectorKissflow, OpenFields: true}
}
func (kissflowUpdateItem) Buckets() []string { return nil }
func (kissflowUpdateItem) Options() []Option { return nil }

// Fields are the two that name the item; the item's own fields come from
// the process (ProcessFieldsAsFields) or are typed by their ids.
func (kissflowUpdateItem) Fields(storage.UserSchema) []Field {
	return []Field{
		{Name: "item.process", Title: "Process ID", Type: TypeString,
			Description: "the process of the item; empty: the process of the Kissflow item that triggered the run"},
		{Name: "item.id", Title: "Item ID", Type: TypeString,
			Description: "the item (_id); empty: the item that triggered the run"},
	}
}

func (kissflowUpdateItem) Check(names []string, _ map[string]any) error {
	for _, n := range names {
		if !isItemRef(n) {
			return nil
		}
	}
	return actionErr(CodeBadInput, "map at least one of the item's fields, by its Kissflow field id (e.g. Okta_User_ID)")
}

func (kissflowUpdateItem) Outcomes() []Outcome {
	return []Outcome{
		{Name: "updated", Changed: true, Doc: "the fields that differed were written (listed in changed); item is the item afterwards"},
		{Name: "unchanged", Doc: "the item already held every value: no write"},
	}
}

// kissflowError says what failed. An answer that trying again cannot
// change (a 404, a 400, a refused key) fails the run at once; a 429, a 5xx
// or a network failure stays retryable.
func kissflowError(doing, process, item string, err error) error {
	where := fmt.Sprintf("%s Kissflow item %s of process %s", doing, item, process)
	var temp interface{ Temporary() bool }
	switch {
	case kissflow.IsNotFound(err):
		return &Error{Code: CodeNotFound, Msg: where + ": no such item (check item.process and item.id): " + err.Error()}
	case errors.As(err, &temp) && !temp.Temporary():
		return &Error{Code: CodeUnexpected, Msg: where + ": " + err.Error()}
	}
	return fmt.Errorf("%s: %w", where, err)
}

func isItemRef(name string) bool { return name == "item.process" || name == "item.id" }

// target is the item a step writes into.
func (kissflowUpdateItem) target(conn Conn, in Input) (process, item string, err error) {
	process, item = stringField(in.Fields, "item.process"), stringField(in.Fields, "item.id")
	if ev := conn.Event.Item; ev != nil {
		if process == "" {
			process = ev.ProcessID
		}
		if item == "" {
			item = ev.ItemID
		}
	}
	switch {
	case process == "" && item == "":
		return "", "", actionErr(CodeBadInput, "no item to write into: the trigger is not a Kissflow item; map item.process and item.id")
	case process == "":
		return "", "", actionErr(CodeBadInput, "no process for item %s: map item.process", item)
	case item == "":
		return "", "", actionErr(CodeBadInput, "no item id in process %s: map item.id", process)
	}
	return process, item, nil
}

// values are the item fields a step maps (an empty text leaves a field as it is).
func itemValues(in Input) map[string]any {
	out := map[string]any{}
	for name, v := range in.Fields {
		if isItemRef(name) {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		out[name] = v
	}
	return out
}

func (k kissflowUpdateItem) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	if conn.Kissflow == nil {
		return nil, actionErr(CodeBadInput, "this step needs a Kissflow account: pick one in the step's account")
	}
	process, item, err := k.target(conn, in)
	if err != nil {
		return nil, err
	}
	want := itemValues(in)
	if len(want) == 0 {
		return nil, actionErr(CodeBadInput, "every mapped field is empty: nothing to write")
	}
	current, err := conn.Kissflow.GetItem(ctx, process, item)
	if err != nil {
		return nil, kissflowError("reading", process, item, err)
	}
	changes := map[string]any{}
	for name, v := range want {
		if !sameJSON(current[name], v) {
			changes[name] = v
		}
	}
	out := map[string]any{"processId": process, "itemId": item}
	if len(changes) == 0 {
		out["outcome"], out["item"] = "unchanged", current
		return out, nil
	}
	after, err := conn.Kissflow.UpdateItem(ctx, process, item, changes)
	if err != nil {
		return nil, kissflowError("updating", process, item, err)
	}
	changed := make([]any, 0, len(changes))
	for _, name := range sortedNames(changes) {
		changed = append(changed, name)
	}
	out["outcome"], out["changed"], out["item"] = "updated", changed, after
	return out, nil
}

func (k kissflowUpdateItem) Describe(in Input) Request {
	process, item := stringField(in.Fields, "item.process"), stringField(in.Fields, "item.id")
	if process == "" {
		process = "{the triggering item's process}"
	}
	if item == "" {
		item = "{the triggering item's _id}"
	}
	path := "/process/2/{account}/admin/" + process + "/" + item
	return Request{Calls: []string{
		"GET " + path + " (the item's current values)",
		"then PUT " + path + " with only the fields below that differ (skipped when none does)",
	}, Body: itemValues(in)}
}

// ProcessFieldsAsFields turns a Kissflow process's form fields into the
// fields a kissflow.update_item step can map, after item.process and
// item.id. System fields (ids starting with "_") are left out: Kissflow
// sets them.
func ProcessFieldsAsFields(fields []KissflowField) []Field {
	out := kissflowUpdateItem{}.Fields(storage.UserSchema{})
	for _, f := range fields {
		if strings.HasPrefix(f.ID, "_") {
			continue
		}
		title := f.Name
		if title == "" {
			title = f.ID
		}
		out = append(out, Field{Name: f.ID, Title: title, Type: kissflowType(f.Type), Required: false,
			Description: "Kissflow " + f.Type + " field"})
	}
	return out
}

// kissflowType maps a Kissflow field type to the type its value is sent as.
// Kissflow's type names vary by form builder; the numeric and yes/no ones
// are recognised, every other type is text.
func kissflowType(t string) FieldType {
	switch strings.ToLower(strings.ReplaceAll(t, " ", "")) {
	case "number", "currency", "rating", "slider", "integer", "decimal":
		return TypeNumber
	case "boolean", "yes/no", "yesno", "checkbox":
		return TypeBoolean
	case "multiselect", "checklist", "multiselectdropdown":
		return TypeArray
	}
	return TypeString
}
