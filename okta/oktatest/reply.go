package oktatest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// call is one request being handled, with the org's lock held.
type call struct {
	r         *http.Request
	base      string // scheme://host of the request, for _links and Link headers
	now       time.Time
	requestID string
	body      []byte
	params    []string // the wildcard path segments of the matched route, unescaped
	principal principal
}

// query returns a query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// boolQuery reads a boolean query parameter, def when absent or not a boolean.
func (c *call) boolQuery(name string, def bool) bool {
	switch strings.ToLower(c.query(name)) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

// reply is what a handler answers: a status, a JSON body (nil for none),
// Link header values and extra headers. err, when set, becomes the body.
type reply struct {
	status int
	body   any
	links  []string
	header http.Header
	err    *apiError
}

func ok(body any) *reply { return &reply{status: http.StatusOK, body: body} }

func noContent() *reply { return &reply{status: http.StatusNoContent} }

func fail(e *apiError) *reply { return &reply{status: e.status, err: e} }

// emptyObject is the {} that lifecycle operations answer.
func emptyObject() object { return object{} }

// link formats one Link header value: <url>; rel="rel".
func link(u, rel string) string { return "<" + u + `>; rel="` + rel + `"` }

// pageURL builds a collection URL with its parameters in the order Okta
// writes them (after, limit, then the query), skipping empty ones.
func pageURL(base, path string, params ...[2]string) string {
	var q []string
	for _, p := range params {
		if p[1] != "" {
			q = append(q, p[0]+"="+url.QueryEscape(p[1]))
		}
	}
	if len(q) == 0 {
		return base + path
	}
	return base + path + "?" + strings.Join(q, "&")
}
