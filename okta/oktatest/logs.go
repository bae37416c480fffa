package oktatest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/scim"
)

// System Log query limits (okta-api.md §8).
const (
	logDefaultLimit = 100
	logMaxLimit     = 1000
	logDefaultSpan  = 7 * 24 * time.Hour   // since defaults to until − 7 days
	logMaxAge       = 180 * 24 * time.Hour // an older since is refused
	logMaxKeyword   = 40                   // characters per q keyword
)

// logQuery is a parsed GET /api/v1/logs request.
type logQuery struct {
	since, until time.Time
	polling      bool // no until and ascending: follow persistence order forever
	desc         bool
	hasAfter     bool
	after        int64 // seq of the cursor
	expr         scim.Expr
	keywords     []string
	limit        int
}

// listLogs is GET /api/v1/logs?since=&until=&after=&filter=&q=&limit=&sortOrder=.
//
// A polling request (no until, ascending) returns events in persistence
// order after the cursor (or from since) and always carries a rel="next"
// link, whose cursor stays put when no new event came. A bounded request
// (until given, or DESCENDING) returns the events published in
// [since, until) and has no rel="next" on its last page.
func (o *Org) listLogs(c *call) *reply {
	lq, e := o.parseLogQuery(c)
	if e != nil {
		return fail(e)
	}
	out := []object{}
	var last, scanned *logEvent // the page's last event; the last event looked at
	more := false
	events := o.events
	if lq.desc {
		events = slices.Clone(o.events)
		slices.Reverse(events)
	}
	for _, ev := range events {
		if !lq.includes(ev) {
			continue
		}
		rendered := o.renderEvent(ev)
		if !lq.matches(rendered) {
			scanned = ev
			continue
		}
		if len(out) == lq.limit {
			more = true
			break
		}
		out, last, scanned = append(out, rendered), ev, ev
	}
	rep := ok(out)
	rep.links = []string{link(c.base+c.r.URL.RequestURI(), "self")}
	if lq.polling || more {
		// A full page continues after its last event; otherwise everything
		// up to the last event looked at was seen, matching or not.
		cursor := c.query("after")
		switch {
		case more:
			cursor = last.cursor()
		case scanned != nil:
			cursor = scanned.cursor()
		case cursor == "":
			cursor = strconv.FormatInt(c.now.UnixMilli(), 10) + "_" + strconv.FormatInt(o.eventSeq, 10)
		}
		rep.links = append(rep.links, link(o.logNextURL(c, lq, cursor), "next"))
	}
	return rep
}

// includes reports whether ev lies in the query's window and after its cursor.
func (lq *logQuery) includes(ev *logEvent) bool {
	if lq.hasAfter {
		if lq.desc && ev.Seq >= lq.after || !lq.desc && ev.Seq <= lq.after {
			return false
		}
	} else if ev.Published.Before(lq.since) {
		return false
	}
	return lq.polling || ev.Published.Before(lq.until) && !ev.Published.Before(lq.since)
}

// matches applies filter and q to a rendered event.
func (lq *logQuery) matches(ev object) bool {
	if lq.expr != nil && !lq.expr.Match(func(path string) (any, bool) { return lookupPath(ev, path) }) {
		return false
	}
	if len(lq.keywords) > 0 {
		b, _ := json.Marshal(ev)
		text := strings.ToLower(string(b))
		for _, k := range lq.keywords {
			if !strings.Contains(text, k) {
				return false
			}
		}
	}
	return true
}

// logNextURL is the rel="next" link: the same query from cursor.
func (o *Org) logNextURL(c *call, lq logQuery, cursor string) string {
	params := [][2]string{{"limit", strconv.Itoa(lq.limit)}, {"after", cursor}}
	if !lq.polling {
		params = append(params, [2]string{"since", c.query("since")}, [2]string{"until", c.query("until")})
	}
	params = append(params, [2]string{"filter", c.query("filter")}, [2]string{"q", c.query("q")}, [2]string{"sortOrder", c.query("sortOrder")})
	return pageURL(c.base, "/api/v1/logs", params...)
}

// parseLogQuery validates the parameters with the errors the System Log
// documents: a bad date is 400 E0000001 "Api validation failed: 'until': …",
// a bad filter 400 E0000053 "Invalid filter '…': …", a since more than 180
// days ago 400 E0000053, a q keyword over 40 characters 400 E0000001.
func (o *Org) parseLogQuery(c *call) (logQuery, *apiError) {
	lq := logQuery{limit: limitParam(c, logDefaultLimit, logMaxLimit), until: c.now}
	lq.desc = strings.EqualFold(c.query("sortOrder"), "DESCENDING")
	untilGiven := c.query("until") != ""
	lq.polling = !untilGiven && !lq.desc
	if untilGiven {
		t, e := logTime(c.query("until"), "until")
		if e != nil {
			return lq, e
		}
		lq.until = t
	}
	lq.since = lq.until.Add(-logDefaultSpan)
	if s := c.query("since"); s != "" {
		t, e := logTime(s, "since")
		if e != nil {
			return lq, e
		}
		if t.Before(c.now.Add(-logMaxAge)) {
			return lq, errLogParam("Invalid parameter: The since parameter is over 180 days prior to the current day.")
		}
		lq.since = t
	}
	if a := c.query("after"); a != "" {
		_, seq, found := strings.Cut(a, "_")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !found || err != nil || n < 0 {
			return lq, errLogParam("Invalid parameter: The after parameter is not a valid cursor.")
		}
		lq.hasAfter, lq.after = true, n
	}
	if f := c.query("filter"); f != "" {
		expr, err := scim.Parse(f, scim.LogFilter)
		if err != nil {
			msg := err.Error()
			if se, isSyntax := err.(*scim.SyntaxError); isSyntax && se.Err != nil {
				msg = se.Err.Error()
			}
			return lq, errLogParam("Invalid filter '" + f + "': " + msg)
		}
		lq.expr = expr
	}
	for k := range strings.FieldsSeq(c.query("q")) {
		if len([]rune(k)) > logMaxKeyword {
			return lq, errValidation("'q': Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields.")
		}
		lq.keywords = append(lq.keywords, strings.ToLower(k))
	}
	return lq, nil
}

// logTime parses a since/until parameter (ISO 8601 / RFC 3339).
func logTime(s, param string) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errValidation(
			"'"+param+"': The date format in your query is not recognized. Please enter dates using ISO8601 string format. '"+param+"': must be a valid date-time or empty.",
			param+": The date format in your query is not recognized. Please enter dates using ISO8601 string format.",
			param+": must be a valid date-time or empty.")
	}
	return t, nil
}
