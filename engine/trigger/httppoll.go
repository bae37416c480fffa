package trigger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// httpPoll polls any JSON API. Each item with an id fires once (dedupe key
// "http:<id>"). With a cursor field, only items whose field is greater than
// the cursor fire, and a first poll fires those at or after the start time
// when the field is a timestamp. Without one, the first poll is a baseline:
// what the API lists when the integration is switched ON is marked seen.
type httpPoll struct {
	client      *http.Client
	url         string
	headers     map[string]string
	itemsPath   string
	idField     string
	cursorField string
	filter      *vm.Program
}

// baselineDone is the cursor of a poller without a cursor field once its
// baseline is stored.
const baselineDone = "baseline-done"

func compileFilter(src string) (*vm.Program, error) {
	p, err := expr.Compile(src, expr.Env(map[string]any{"item": map[string]any{}}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("filter %q: %v", src, err)
	}
	return p, nil
}

func newHTTPPoll(c Config, client *http.Client) (*httpPoll, error) {
	spec, _ := Lookup(HTTPPoll)
	p := &httpPoll{
		client: client, url: c.String(spec, "url"), headers: c.Map("headers"),
		itemsPath: c.String(spec, "items_path"), idField: c.String(spec, "id_field"),
		cursorField: c.String(spec, "cursor_field"),
	}
	if auth := c.String(spec, "authorization"); auth != "" {
		p.headers["Authorization"] = auth
	}
	if f := c.String(spec, "filter"); f != "" {
		prog, err := compileFilter(f)
		if err != nil {
			return nil, err
		}
		p.filter = prog
	}
	return p, nil
}

// items fetches the list and keeps those that pass the filter.
func (p *httpPoll) items(ctx context.Context) ([]map[string]any, error) {
	v, err := getJSON(ctx, p.client, "the API", p.url, p.headers)
	if err != nil {
		return nil, err
	}
	list, ok := lookupPath(v, p.itemsPath)
	arr, isArr := list.([]any)
	if !ok || !isArr {
		where := "the answer"
		if p.itemsPath != "" {
			where = fmt.Sprintf("items path %q", p.itemsPath)
		}
		return nil, fmt.Errorf("the API: %s is not a JSON array; set the items path to where the list is", where)
	}
	out := make([]map[string]any, 0, len(arr))
	for _, it := range arr {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		if p.filter != nil {
			keep, err := expr.Run(p.filter, map[string]any{"item": m})
			if err != nil || keep != true {
				continue
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func (p *httpPoll) Poll(ctx context.Context, cursor string, start time.Time) (Batch, error) {
	items, err := p.items(ctx)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Cursor: cursor}
	newest := cursor
	first := cursor == ""
	for _, it := range items {
		idVal, _ := lookupPath(it, p.idField)
		id, ok := scalarString(idVal)
		if !ok {
			b.Problems = append(b.Problems, fmt.Sprintf("an item has no %q", p.idField))
			continue
		}
		ev := Event{Data: it, DedupeKey: "http:" + id}
		if p.cursorField == "" {
			b.Events = append(b.Events, ev)
			continue
		}
		cv, _ := lookupPath(it, p.cursorField)
		cur, ok := scalarString(cv)
		if !ok {
			b.Problems = append(b.Problems, fmt.Sprintf("item %s has no %q", id, p.cursorField))
			continue
		}
		if newest == "" || compareCursor(cur, newest) > 0 {
			newest = cur
		}
		switch {
		case !first && compareCursor(cur, cursor) > 0:
			b.Events = append(b.Events, ev)
		case first:
			if t, isTime := parseTime(cur); isTime && !t.Before(start) {
				b.Events = append(b.Events, ev)
			}
		}
	}
	switch {
	case p.cursorField == "" && first:
		b.Baseline, b.Cursor = true, baselineDone
	case p.cursorField != "":
		b.Cursor = newest
		if first && newest == "" {
			b.Cursor = start.UTC().Format(time.RFC3339Nano)
		}
	}
	return b, nil
}

func (p *httpPoll) Sample(ctx context.Context) (Event, error) {
	items, err := p.items(ctx)
	if err != nil {
		return Event{}, err
	}
	if len(items) == 0 {
		return Event{}, errors.New("the API listed no item (after the filter); add one, or paste a sample event")
	}
	it := items[0]
	if p.cursorField != "" { // the newest by the cursor field
		for _, x := range items[1:] {
			a, _ := lookupPath(x, p.cursorField)
			b, _ := lookupPath(it, p.cursorField)
			as, _ := scalarString(a)
			bs, _ := scalarString(b)
			if compareCursor(as, bs) > 0 {
				it = x
			}
		}
	}
	idVal, _ := lookupPath(it, p.idField)
	id, _ := scalarString(idVal)
	return Event{Data: it, DedupeKey: "http:" + id}, nil
}
