package trigger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/mapping"
)

// httpPoll polls any JSON API. Each item with an id fires once (dedupe key
// "http:<id>"). With a cursor field, only items whose field is at or after
// the cursor fire (an item stamped in the same instant as the newest one
// seen is still considered, and the id dedupe drops what fired before),
// and a first poll fires those at or after the start time when the field
// is a timestamp. Without one, the first poll is a baseline: what the API
// lists when the integration is switched ON is marked seen.
//
// A paginated answer is followed page by page, at most max_pages pages: by
// a next link in the body (next_path), a cursor in the body sent back as a
// query parameter (next_cursor_path, cursor_param), or a Link header with
// rel="next". Next links must stay on the URL's scheme and host, since the
// headers go with every page.
type httpPoll struct {
	client         *http.Client
	url            string
	secretQuery    map[string]string
	headers        map[string]string
	itemsPath      string
	idField        string
	cursorField    string
	nextPath       string
	nextCursorPath string
	cursorParam    string
	maxPages       int
	filter         *mapping.Predicate
}

// filterPollBudget is the time all filter runs of one poll may take.
const filterPollBudget = 10 * time.Second

// baselineDone is the cursor of a poller without a cursor field once its
// baseline is stored.
const baselineDone = "baseline-done"

// compileFilter compiles a filter in the templates' sandbox
// (mapping.Predicate): its source is checked before expr's parser sees it
// (nested too deeply it would overflow the parser's stack, which is
// fatal), and it runs within the templates' memory, step and time budgets.
func compileFilter(src string) (*mapping.Predicate, error) {
	p, err := mapping.CompilePredicate(src, "item")
	switch {
	case err != nil && len(src) <= 80:
		return nil, fmt.Errorf("filter %q: %v", src, err)
	case err != nil:
		return nil, fmt.Errorf("filter: %v", err)
	}
	return p, nil
}

func newHTTPPoll(c Config, client *http.Client, allowPrivate bool) (*httpPoll, error) {
	spec, _ := Lookup(HTTPPoll)
	p := &httpPoll{
		client: PolicyClient(client, allowPrivate),
		url:    c.String(spec, "url"), secretQuery: c.Map("secret_query"), headers: c.Map("headers"),
		itemsPath: c.String(spec, "items_path"), idField: c.String(spec, "id_field"),
		cursorField: c.String(spec, "cursor_field"), nextPath: c.String(spec, "next_path"),
		nextCursorPath: c.String(spec, "next_cursor_path"), cursorParam: c.String(spec, "cursor_param"),
		maxPages: max(c.Int(spec, "max_pages"), 1),
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

// withQuery adds the secret query parameters (and a page cursor) to a URL.
func (p *httpPoll) withQuery(raw string, extra map[string]string) (string, error) {
	if len(p.secretQuery) == 0 && len(extra) == 0 {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("the API: bad URL %q", redactURL(raw, p.secretQuery))
	}
	q := u.Query()
	for k, v := range p.secretQuery {
		q.Set(k, v)
	}
	for k, v := range extra {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// items fetches the list, page after page, and keeps those that pass the
// filter. A failure on any page fails the poll: an answer with a page
// missing could move the cursor past what that page held.
func (p *httpPoll) items(ctx context.Context) (out []map[string]any, problems []PollProblem, err error) {
	first, err := url.Parse(p.url)
	if err != nil {
		return nil, nil, fmt.Errorf("the API: bad URL %q", redactURL(p.url, p.secretQuery))
	}
	var stopped []*mapping.LimitError // items the filter's sandbox stopped
	// All of a poll's filter runs share one time budget too (each one has
	// its own, mapping.EvalTimeout): many slow items do not hold the poll.
	filterCtx, cancel := context.WithTimeout(ctx, filterPollBudget)
	defer cancel()
	defer func() {
		if len(stopped) > 0 && err == nil {
			problems = append(problems, problemf(ReasonSkippedItem, "the filter was stopped on %d items, which do not fire: %v", len(stopped), stopped[0]))
		}
	}()
	pageURL, extra := p.url, map[string]string{}
	for page := 1; ; page++ {
		full, err := p.withQuery(pageURL, extra)
		if err != nil {
			return nil, nil, err
		}
		v, header, err := getJSON(ctx, p.client, "the API", full, p.headers, p.secretQuery)
		if err != nil {
			if page > 1 {
				return nil, nil, fmt.Errorf("page %d: %w", page, err)
			}
			return nil, nil, err
		}
		list, ok := lookupPath(v, p.itemsPath)
		arr, isArr := list.([]any)
		if !ok || !isArr {
			where := "the answer"
			if p.itemsPath != "" {
				where = fmt.Sprintf("items path %q", p.itemsPath)
			}
			return nil, nil, fmt.Errorf("the API: %s is not a JSON array; set the items path to where the list is", where)
		}
		for _, it := range arr {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			if p.filter != nil {
				keep, err := p.filter.Eval(filterCtx, m)
				var limit *mapping.LimitError
				if errors.As(err, &limit) {
					stopped = append(stopped, limit)
				}
				if err != nil || !keep { // an item the filter cannot read (a field it lacks) does not match
					continue
				}
			}
			out = append(out, m)
		}
		next, nextCursor := p.nextPage(v, header, pageURL)
		if next == "" && nextCursor == "" {
			return out, problems, nil
		}
		if page >= p.maxPages {
			problems = append(problems, problemf(ReasonLimit, "the API has more than %d pages (max pages); the items beyond are not read: raise max pages or narrow the query", p.maxPages))
			return out, problems, nil
		}
		if nextCursor != "" {
			extra = map[string]string{p.cursorParam: nextCursor}
			continue
		}
		nu, err := url.Parse(next)
		if err != nil || nu.Scheme != first.Scheme || nu.Host != first.Host {
			problems = append(problems, problemf(ReasonSkippedItem, "a next page link points to another host (%s); it is not followed, since the headers would go with it", redactURL(next, p.secretQuery)))
			return out, problems, nil
		}
		pageURL, extra = next, map[string]string{}
	}
}

// nextPage finds where the next page is: a next link (resolved against the
// page's URL) or a cursor. Both empty: this was the last page.
func (p *httpPoll) nextPage(body any, header http.Header, pageURL string) (link, cursor string) {
	switch {
	case p.nextCursorPath != "":
		v, _ := lookupPath(body, p.nextCursorPath)
		s, _ := scalarString(v)
		return "", s
	case p.nextPath != "":
		v, _ := lookupPath(body, p.nextPath)
		s, _ := v.(string)
		link = s
	default:
		link = linkNext(header.Values("Link"))
	}
	if link == "" {
		return "", ""
	}
	base, err1 := url.Parse(pageURL)
	ref, err2 := url.Parse(link)
	if err1 != nil || err2 != nil {
		return link, ""
	}
	return base.ResolveReference(ref).String(), ""
}

// linkNext returns the rel="next" target of Link headers.
func linkNext(values []string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.Trim(strings.TrimSpace(target), "<>")
			for _, param := range strings.Split(params, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(name, "rel") && strings.EqualFold(strings.Trim(val, `"`), "next") {
					return target
				}
			}
		}
	}
	return ""
}

func (p *httpPoll) Poll(ctx context.Context, cursor string, start time.Time) (Batch, error) {
	items, problems, err := p.items(ctx)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Cursor: cursor, Problems: problems}
	newest := cursor
	first := cursor == ""
	for _, it := range items {
		idVal, _ := lookupPath(it, p.idField)
		id, ok := scalarString(idVal)
		if !ok {
			b.Problems = append(b.Problems, problemf(ReasonSkippedItem, "an item has no %q", p.idField))
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
			b.Problems = append(b.Problems, problemf(ReasonSkippedItem, "item %s has no %q", id, p.cursorField))
			continue
		}
		if newest == "" || compareCursor(cur, newest) > 0 {
			newest = cur
		}
		switch {
		case !first && compareCursor(cur, cursor) >= 0:
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
	items, _, err := p.items(ctx)
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
