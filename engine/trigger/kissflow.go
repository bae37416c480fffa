package trigger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// kissflowMaxPages bounds one poll; the rest is read at the next poll.
const kissflowMaxPages = 40

// kissflow polls a Kissflow process's items (Process API v2) and fires for
// items whose _status is Completed and whose _completed_at is at or after
// the cursor (the newest _completed_at seen; at first, the start time).
// Items completed in the same instant as the cursor are read again and
// dropped by their _id dedupe key.
type kissflow struct {
	client   *http.Client
	listURL  string // items list URL, without page parameters
	headers  map[string]string
	pageSize int
}

func newKissflow(c Config, client *http.Client) (*kissflow, error) {
	spec, _ := Lookup(Kissflow)
	base := c.String(spec, "base_url")
	base = strings.NewReplacer("{subdomain}", url.PathEscape(c.String(spec, "subdomain")),
		"{account_id}", url.PathEscape(c.String(spec, "account_id"))).Replace(base)
	size, _ := strconv.Atoi(c.String(spec, "page_size"))
	return &kissflow{
		client:   client,
		listURL:  strings.TrimRight(base, "/") + "/admin/" + url.PathEscape(c.String(spec, "process_id")) + "/item",
		headers:  map[string]string{"X-Access-Key-Id": c.String(spec, "access_key_id"), "X-Access-Key-Secret": c.String(spec, "access_key_secret")},
		pageSize: max(size, 1),
	}, nil
}

func (k *kissflow) page(ctx context.Context, n int) ([]map[string]any, error) {
	u := fmt.Sprintf("%s?page_number=%d&page_size=%d", k.listURL, n, k.pageSize)
	v, _, err := getJSON(ctx, k.client, "Kissflow", u, k.headers)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("Kissflow: the item list is not a JSON object with Data[]")
	}
	raw, _ := obj["Data"].([]any)
	items := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		if m, ok := it.(map[string]any); ok {
			items = append(items, m)
		}
	}
	return items, nil
}

// completed returns an item's completion time when it is Completed.
func completed(item map[string]any) (time.Time, bool) {
	if s, _ := item["_status"].(string); !strings.EqualFold(s, "Completed") {
		return time.Time{}, false
	}
	at, _ := item["_completed_at"].(string)
	return parseTime(at)
}

func (k *kissflow) Poll(ctx context.Context, cursor string, start time.Time) (Batch, error) {
	from := start.UTC()
	if cursor != "" {
		t, ok := parseTime(cursor)
		if !ok {
			return Batch{}, fmt.Errorf("Kissflow: stored cursor %q is not a time", cursor)
		}
		from = t
	}
	b := Batch{Cursor: cursor}
	newest := from
	for n := 1; n <= kissflowMaxPages; n++ {
		items, err := k.page(ctx, n)
		if err != nil {
			return Batch{}, err
		}
		for _, it := range items {
			at, ok := completed(it)
			if !ok || at.Before(from) {
				continue
			}
			id, ok := scalarString(it["_id"])
			if !ok {
				b.Problems = append(b.Problems, "a completed Kissflow item has no _id")
				continue
			}
			b.Events = append(b.Events, Event{Data: it, DedupeKey: "kissflow:" + id})
			if at.After(newest) {
				newest = at
			}
		}
		if len(items) < k.pageSize {
			break
		}
	}
	if len(b.Events) > 0 || cursor == "" {
		b.Cursor = newest.Format(time.RFC3339Nano)
	}
	return b, nil
}

// kissflowSamplePages bounds how far Sample looks for the newest completed item.
const kissflowSamplePages = 5

func (k *kissflow) Sample(ctx context.Context) (Event, error) {
	var best map[string]any
	var bestAt time.Time
	for n := 1; n <= kissflowSamplePages; n++ {
		items, err := k.page(ctx, n)
		if err != nil {
			return Event{}, err
		}
		for _, it := range items {
			if at, ok := completed(it); ok && (best == nil || at.After(bestAt)) {
				best, bestAt = it, at
			}
		}
		if len(items) < k.pageSize {
			break
		}
	}
	if best == nil {
		return Event{}, fmt.Errorf("Kissflow: no completed item in the first %d pages of this process yet; complete one, or paste a sample event", kissflowSamplePages)
	}
	id, _ := scalarString(best["_id"])
	return Event{Data: best, DedupeKey: "kissflow:" + id}, nil
}
