package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/headerlines"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/storage"
)

// httpRequest calls any HTTP API: to tell another system what happened.
//
// Not idempotent by itself, since only the receiver knows what it did:
// every attempt of one step of one run sends the same Idempotency-Key, so a
// receiver that honours it does the work once. An answer outside the
// expected statuses fails the step (a 4xx at once; a 5xx, a 429 or a
// network failure is retried with backoff). The answer becomes the step's
// output, read up to maxResponseBytes.
type httpRequest struct{}

// Bounds of http.request.
const (
	maxResponseBytes   = 256 << 10 // the answer kept as the step's output
	defaultHTTPTimeout = 30        // seconds
	maxHTTPTimeout     = 120
)

var httpMethods = []string{"POST", "PUT", "PATCH", "GET", "DELETE"}

func (httpRequest) ID() string    { return "http.request" }
func (httpRequest) Title() string { return "Call an HTTP API" }
func (httpRequest) Description() string {
	return "Send a request (method, URL, headers, JSON body) to any system; the answer is the step's output"
}
func (httpRequest) Traits() Traits {
	return Traits{Connector: ConnectorNone}
}
func (httpRequest) Buckets() []string { return nil }

func (httpRequest) Fields(storage.UserSchema) []Field {
	return []Field{
		{Name: "url", Title: "URL", Type: TypeString, Required: true,
			Description: "https://… ; templates may fill in parts: https://hr.example.com/people/{{ trigger.id }}"},
		{Name: "body", Title: "JSON body", Type: TypeObject,
			Description: `a JSON value; e.g. {{ {"oktaId": steps.create.id, "status": steps.create.status} }}`},
		{Name: "headers", Title: "Headers", Type: TypeObject,
			Description: `a JSON object of header names and values, e.g. {"X-Source": "oktaflow"}; credentials go in Secret headers`},
		{Name: "authorization", Title: "Authorization header", Type: TypeString, Secret: true,
			Description: `the Authorization value ("Bearer …"); a literal is stored sealed, masked on screen and in stored runs`},
		{Name: "secret_headers", Title: "Secret headers", Type: TypeString, Secret: true,
			Description: `one "Name: value" per line (X-Api-Key: …); stored sealed, masked on screen and in stored runs`},
	}
}

func (httpRequest) Options() []Option {
	return []Option{
		{Name: "method", Title: "Method", Type: OptionEnum, Default: "POST", Values: httpMethods},
		{Name: "expect", Title: "Expected statuses", Type: OptionText, Default: "2xx",
			Description: "the statuses that mean success: 2xx, or a list such as 200,201,204 or 200-299"},
		{Name: "timeout_seconds", Title: "Timeout (seconds)", Type: OptionInteger, Default: defaultHTTPTimeout, Min: 1, Max: maxHTTPTimeout},
	}
}

func (httpRequest) Check(names []string, opts map[string]any) error {
	if s, ok := opts["expect"].(string); ok {
		if _, err := parseExpect(s); err != nil {
			return actionErr(CodeBadInput, "expect: %v", err)
		}
	}
	for _, n := range names {
		if n == "url" {
			return nil
		}
	}
	return actionErr(CodeBadInput, "map the url to call")
}

func (httpRequest) Outcomes() []Outcome {
	return []Outcome{{Name: "sent", Changed: true,
		Doc: "the answer had an expected status; the output holds status, headers and body (JSON decoded when it is JSON)"}}
}

// httpCall is a step's request, built from its resolved fields.
type httpCall struct {
	method  string
	url     *url.URL
	headers http.Header
	body    []byte // nil: no body
	expect  statusSet
	timeout time.Duration
}

func buildHTTPCall(in Input) (*httpCall, error) {
	c := &httpCall{method: "POST", headers: http.Header{}}
	if m, ok := in.Options["method"].(string); ok && m != "" {
		c.method = strings.ToUpper(m)
	}
	raw := strings.TrimSpace(stringField(in.Fields, "url"))
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, actionErr(CodeBadInput, "url: %q is not an http(s) URL", raw)
	}
	c.url = u
	if err := addHeaders(c.headers, in.Fields["headers"]); err != nil {
		return nil, actionErr(CodeBadInput, "headers: %v", err)
	}
	if err := addSecretHeaders(c.headers, stringField(in.Fields, "secret_headers")); err != nil {
		return nil, actionErr(CodeBadInput, "secret_headers: %v", err)
	}
	if a := stringField(in.Fields, "authorization"); a != "" {
		if c.headers.Get("Authorization") != "" {
			return nil, actionErr(CodeBadInput, "authorization: Authorization is also among the secret headers; set it in one place")
		}
		c.headers.Set("Authorization", a)
	}
	if b, ok := in.Fields["body"]; ok && b != nil && b != "" {
		body, err := jsonBody(b)
		if err != nil {
			return nil, actionErr(CodeBadInput, "body: %v", err)
		}
		c.body = body
		if c.headers.Get("Content-Type") == "" {
			c.headers.Set("Content-Type", "application/json")
		}
	}
	expect, _ := in.Options["expect"].(string)
	if c.expect, err = parseExpect(expect); err != nil {
		return nil, actionErr(CodeBadInput, "expect: %v", err)
	}
	secs := min(max(intOption(in.Options, "timeout_seconds", defaultHTTPTimeout), 1), maxHTTPTimeout)
	c.timeout = time.Duration(secs) * time.Second
	return c, nil
}

// addHeaders reads a headers field: a JSON object of names and text values
// (or its JSON text).
func addHeaders(h http.Header, v any) error {
	if s, ok := v.(string); ok {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return fmt.Errorf("want a JSON object such as {\"X-Source\": \"oktaflow\"}: %v", err)
		}
	}
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a JSON object of header names and values, got %T", v)
	}
	for name, val := range m {
		canon := http.CanonicalHeaderKey(strings.TrimSpace(name))
		if err := reservedHeader(canon); err != nil {
			return err
		}
		if canon == "Authorization" {
			return errors.New("put Authorization in the authorization field, which is kept secret")
		}
		s, ok := val.(string)
		if !ok {
			s = formatScalar(val)
		}
		if strings.ContainsAny(s, "\r\n") || strings.ContainsAny(canon, " \t\r\n:") || canon == "" {
			return fmt.Errorf("header %q: a name or value holds a line break or is not a header name", name)
		}
		h.Set(canon, s)
	}
	return nil
}

// reservedHeader refuses the headers oktaflow sets itself.
func reservedHeader(canon string) error {
	switch canon {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Idempotency-Key":
		return fmt.Errorf("%s is set by oktaflow, not by the step", canon)
	}
	return nil
}

// addSecretHeaders reads a secret_headers field: "Name: value" lines. Its
// errors name lines and header names, never a value. A header the plain
// headers set already is an error (one place for each header).
func addSecretHeaders(h http.Header, text string) error {
	pairs, bad := headerlines.Parse(text)
	if len(bad) > 0 {
		return fmt.Errorf("line %d is not \"Name: value\"", bad[0])
	}
	for i, p := range pairs {
		if !headerlines.ValidName(p.Name) {
			return fmt.Errorf("header %d: the name is not an HTTP header name (letters, digits and - only)", i+1)
		}
		canon := http.CanonicalHeaderKey(p.Name)
		if err := reservedHeader(canon); err != nil {
			return err
		}
		if h.Get(canon) != "" {
			return fmt.Errorf("%s is set twice (in the headers and the secret headers, or on two lines); set it once", canon)
		}
		h.Set(canon, p.Value)
	}
	return nil
}

// checkLiteral refuses, at save, literal mappings that would fail every
// run or expose a credential: plain headers that are not a JSON object of
// headers, or that hold a header whose name looks like a credential (it
// would be stored, shown and exported in clear), and secret headers that
// are not "Name: value" lines.
func (httpRequest) checkLiteral(name, src string) error {
	switch name {
	case "headers":
		if err := addHeaders(http.Header{}, src); err != nil {
			return err
		}
		var m map[string]any
		if json.Unmarshal([]byte(src), &m) != nil {
			return nil
		}
		var secret []string
		for n := range m {
			if headerlines.SecretLooking(n) {
				secret = append(secret, http.CanonicalHeaderKey(strings.TrimSpace(n)))
			}
		}
		if len(secret) > 0 {
			slices.Sort(secret)
			return fmt.Errorf("%s looks like a credential, and the headers are stored and exported in clear: put it in secret_headers (Secret headers), which are stored sealed",
				strings.Join(secret, ", "))
		}
	case "secret_headers":
		return addSecretHeaders(http.Header{}, src)
	}
	return nil
}

// jsonBody encodes a body field: a decoded JSON value as it is, and text
// that must itself be JSON (a literal body).
func jsonBody(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		if !json.Valid([]byte(s)) {
			return nil, errors.New(`the text is not JSON; write a JSON value, or build one: {{ {"id": steps.create.id} }}`)
		}
		return []byte(s), nil
	}
	return json.Marshal(v)
}

func formatScalar(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (h httpRequest) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	call, err := buildHTTPCall(in)
	if err != nil {
		return nil, err
	}
	if conn.HTTP == nil {
		return nil, actionErr(CodeBadInput, "no HTTP client for http.request")
	}
	ctx, cancel := context.WithTimeout(ctx, call.timeout)
	defer cancel()
	var body io.Reader
	if call.body != nil {
		body = bytes.NewReader(call.body)
	}
	req, err := http.NewRequestWithContext(ctx, call.method, call.url.String(), body)
	if err != nil {
		return nil, actionErr(CodeBadInput, "url: %v", err)
	}
	req.Header = call.headers
	req.Header.Set("User-Agent", "oktaflow")
	if conn.Key != "" {
		req.Header.Set("Idempotency-Key", conn.Key)
	}
	resp, err := conn.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s %s: no answer within %s: %w", call.method, redactURL(call.url), call.timeout, err)
		}
		return nil, fmt.Errorf("%s %s: %w", call.method, redactURL(call.url), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", call.method, redactURL(call.url), err)
	}
	out := responseOutput(resp, data)
	if !call.expect.has(resp.StatusCode) {
		msg := fmt.Sprintf("%s %s answered %d %s; the step expects %s", call.method, redactURL(call.url),
			resp.StatusCode, http.StatusText(resp.StatusCode), call.expect)
		if snippet := bodySnippet(data); snippet != "" {
			msg += ": " + snippet
		}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return nil, &retryableHTTP{msg: msg}
		}
		return nil, &Error{Code: CodeUnexpected, Msg: msg}
	}
	out["outcome"] = "sent"
	return out, nil
}

// retryableHTTP is an answer worth another attempt (5xx, 429).
type retryableHTTP struct{ msg string }

func (e *retryableHTTP) Error() string { return e.msg }

// responseOutput is the answer as the step's output: status, the headers a
// later step may want (never cookies), and the body, JSON-decoded when it
// is JSON, cut at maxResponseBytes.
func responseOutput(resp *http.Response, data []byte) map[string]any {
	truncated := len(data) > maxResponseBytes
	if truncated {
		data = data[:maxResponseBytes]
	}
	headers := map[string]any{}
	for name, vals := range resp.Header {
		switch name {
		case "Set-Cookie", "Authorization", "Proxy-Authenticate", "Www-Authenticate":
			continue
		}
		headers[name] = strings.Join(vals, ", ")
	}
	out := map[string]any{"status": resp.StatusCode, "headers": headers, "truncated": truncated}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var decoded any
	switch {
	case len(data) == 0:
		out["body"] = nil
	case !truncated && (ct == "application/json" || strings.HasSuffix(ct, "+json")) && decodeJSON(data, &decoded) == nil:
		out["body"] = decoded
	default:
		out["body"] = strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return out
}

func decodeJSON(data []byte, v *any) error {
	d, err := mapping.DecodeJSON(data)
	if err == nil {
		*v = d
	}
	return err
}

// bodySnippet is the start of an error answer, for the message.
func bodySnippet(data []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(data), "\uFFFD"))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// redactURL names a URL in messages without its query (which may carry a
// key) or user info.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

func (httpRequest) Describe(in Input) Request {
	call, err := buildHTTPCall(in)
	if err != nil {
		return Request{Calls: []string{"would fail before sending: " + err.Error()}}
	}
	line := call.method + " " + redactURL(call.url)
	var names []string
	for name := range call.headers {
		names = append(names, name)
	}
	if len(names) > 0 {
		line += " with headers " + strings.Join(slices.Sorted(slices.Values(names)), ", ")
	}
	line += " and Idempotency-Key (the same on every retry); expects " + call.expect.String()
	req := Request{Calls: []string{line}}
	if call.body != nil {
		var v any
		if json.Unmarshal(call.body, &v) == nil {
			req.Body = v
		}
	}
	return req
}

// statusSet is the statuses a step expects: ranges, inclusive.
type statusSet struct {
	src    string
	ranges [][2]int
}

func (s statusSet) has(code int) bool {
	for _, r := range s.ranges {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

func (s statusSet) String() string { return s.src }

// parseExpect reads "2xx", "200,201", "200-299" or a mix; "" means 2xx.
func parseExpect(src string) (statusSet, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		src = "2xx"
	}
	set := statusSet{src: src}
	for _, part := range strings.Split(src, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		var lo, hi int
		switch {
		case len(part) == 3 && strings.HasSuffix(part, "xx") && part[0] >= '1' && part[0] <= '5':
			lo = int(part[0]-'0') * 100
			hi = lo + 99
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			var errA, errB error
			lo, errA = strconv.Atoi(strings.TrimSpace(a))
			hi, errB = strconv.Atoi(strings.TrimSpace(b))
			if errA != nil || errB != nil || lo > hi {
				return set, fmt.Errorf("%q is not a range such as 200-299", part)
			}
		default:
			n, err := strconv.Atoi(part)
			if err != nil {
				return set, fmt.Errorf("%q is not a status, a range (200-299) or a class (2xx)", part)
			}
			lo, hi = n, n
		}
		if lo < 100 || hi > 599 {
			return set, fmt.Errorf("%q is outside the HTTP statuses 100–599", part)
		}
		set.ranges = append(set.ranges, [2]int{lo, hi})
	}
	return set, nil
}
