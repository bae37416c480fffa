package kissflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ItemPage is one page of a process's items.
type ItemPage struct {
	Items []map[string]any
	// Total is the number of items in the process, when the answer said
	// (HasTotal).
	Total    int
	HasTotal bool
}

// ListItems reads one page (from 1) of a process's items through the
// admin API, with apply_preference=false so that no saved view filters it.
func (c *Client) ListItems(ctx context.Context, processID string, page, size int) (ItemPage, error) {
	if page < 1 || size < 1 {
		return ItemPage{}, fmt.Errorf("Kissflow: page %d of size %d: pages count from 1", page, size)
	}
	q := url.Values{"page_number": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(size)}, "apply_preference": {"false"}}
	u := c.r.url(c.r.list, processID, "") + "?" + q.Encode()
	var raw map[string]json.RawMessage
	if err := c.do(ctx, http.MethodGet, u, fmt.Sprintf("list the items of process %s", processID), nil, &raw); err != nil {
		return ItemPage{}, err
	}
	data, ok := raw["Data"]
	if !ok {
		return ItemPage{}, fmt.Errorf("Kissflow: the item list of process %s has no Data", processID)
	}
	var p ItemPage
	if err := decodeNumbers(data, &p.Items); err != nil {
		return ItemPage{}, fmt.Errorf("Kissflow: the item list of process %s: Data is not a list of items: %v", processID, err)
	}
	for _, k := range []string{"Count", "TotalCount", "Total", "_total", "total_count"} {
		if v, ok := raw[k]; ok {
			if n, err := strconv.Atoi(strings.TrimSpace(string(v))); err == nil && n >= 0 {
				p.Total, p.HasTotal = n, true
				break
			}
		}
	}
	return p, nil
}

// GetItem reads one item: its system fields (_id, _status, _completed_at,
// ...) and its form fields by field id.
func (c *Client) GetItem(ctx context.Context, processID, itemID string) (map[string]any, error) {
	var item map[string]any
	op := fmt.Sprintf("read item %s of process %s", itemID, processID)
	if err := c.doNumbers(ctx, http.MethodGet, c.r.url(c.r.item, processID, itemID), op, nil, &item); err != nil {
		return nil, err
	}
	if item == nil {
		return nil, fmt.Errorf("Kissflow: the answer to %s is not an item", op)
	}
	return item, nil
}

// UpdateItem changes only the given fields of an item (Kissflow's PUT is a
// partial update) and returns the item as Kissflow answered.
func (c *Client) UpdateItem(ctx context.Context, processID, itemID string, fields map[string]any) (map[string]any, error) {
	if len(fields) == 0 {
		return nil, errors.New("Kissflow: nothing to update: give at least one field")
	}
	var item map[string]any
	op := fmt.Sprintf("update item %s of process %s", itemID, processID)
	if err := c.doNumbers(ctx, http.MethodPut, c.r.url(c.r.item, processID, itemID), op, fields, &item); err != nil {
		return nil, err
	}
	return item, nil
}

// doNumbers is do for answers decoded with exact numbers (json.Number).
func (c *Client) doNumbers(ctx context.Context, method, u, op string, body any, out *map[string]any) error {
	var raw json.RawMessage
	if err := c.do(ctx, method, u, op, body, &raw); err != nil {
		return err
	}
	if len(raw) == 0 {
		return nil
	}
	if err := decodeNumbers(raw, out); err != nil {
		return fmt.Errorf("Kissflow: the answer to %s is not a JSON object: %v", op, err)
	}
	return nil
}

// decodeNumbers decodes JSON keeping numbers exact (json.Number): an item
// id or an amount must not round through float64.
func decodeNumbers(raw []byte, out any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	return dec.Decode(out)
}

// Field is one form field of a process.
type Field struct {
	ID, Name, Type string
	Required       bool
}

// ProcessFields lists a process's form fields. Where the fields API is not
// there (see the package doc), they are taken from an item of the process:
// its keys that do not start with "_", typed by their values.
func (c *Client) ProcessFields(ctx context.Context, processID string) ([]Field, error) {
	var raw json.RawMessage
	err := c.do(ctx, http.MethodGet, c.r.url(c.r.field, processID, ""), fmt.Sprintf("list the form fields of process %s", processID), nil, &raw)
	if err == nil {
		if fields, ok := parseFields(raw); ok {
			return fields, nil
		}
	} else if !IsNotFound(err) && !statusIs(err, http.StatusMethodNotAllowed) {
		return nil, err
	}
	page, lerr := c.ListItems(ctx, processID, 1, 1)
	if lerr != nil {
		return nil, lerr
	}
	if len(page.Items) == 0 {
		return nil, fmt.Errorf("Kissflow: process %s has no item to read its fields from yet; create one, or type the field ids", processID)
	}
	item := page.Items[0]
	if id, _ := item["_id"].(string); id != "" {
		if full, err := c.GetItem(ctx, processID, id); err == nil {
			item = full
		}
	}
	return fieldsOfItem(item), nil
}

func parseFields(raw json.RawMessage) ([]Field, bool) {
	var list []map[string]any
	if json.Unmarshal(raw, &list) != nil {
		var wrap map[string]json.RawMessage
		if json.Unmarshal(raw, &wrap) != nil {
			return nil, false
		}
		inner, ok := wrap["Data"]
		if !ok {
			inner, ok = wrap["Fields"]
		}
		if !ok || json.Unmarshal(inner, &list) != nil {
			return nil, false
		}
	}
	var out []Field
	for _, m := range list {
		f := Field{ID: firstString(m, "Id", "id", "_id", "FieldId"), Name: firstString(m, "Name", "name", "Label", "label"),
			Type: firstString(m, "Type", "type", "DataType")}
		if f.ID == "" {
			continue
		}
		if f.Name == "" {
			f.Name = f.ID
		}
		for _, k := range []string{"Required", "required", "IsRequired"} {
			if b, ok := m[k].(bool); ok {
				f.Required = b
			}
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// fieldsOfItem lists an item's form fields: the keys not starting with "_".
func fieldsOfItem(item map[string]any) []Field {
	var out []Field
	for k, v := range item {
		if strings.HasPrefix(k, "_") {
			continue
		}
		typ := "Text"
		switch v.(type) {
		case json.Number, float64:
			typ = "Number"
		case bool:
			typ = "Boolean"
		case map[string]any:
			typ = "Object"
		case []any:
			typ = "List"
		}
		out = append(out, Field{ID: k, Name: strings.ReplaceAll(k, "_", " "), Type: typ})
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.ID, b.ID) })
	return out
}
