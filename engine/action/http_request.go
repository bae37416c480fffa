package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oktaflow/oktaflow/engine/internal/headerlines"
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
		return nil, sendError(ctx, call, err)
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

// sendError says why a request got no answer. Go's *url.Error names the
// URL whole, query and all (a key may be in it), so its inner error is
// what is told, after the URL without its query. A refusal that stands
// however often it is tried (the address policy, a redirect it does not
// follow: errors whose Permanent() is true) fails the step at once; other
// failures (connection refused, reset, timeouts) are worth another attempt.
func sendError(ctx context.Context, call *httpCall, err error) error {
	where := call.method + " " + redactURL(call.url)
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var perm interface{ Permanent() bool }
	if errors.As(err, &perm) && perm.Permanent() {
		return &Error{Code: CodeRefused, Msg: fmt.Sprintf("%s: %v", where, perm), Err: inner}
	}
	if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer within %s: %w", where, call.timeout, inner)
	}
	if ue != nil {
		// ue.Err is not always a net.Error (EOF): the wrapper is kept
		// for the runner's classification, its text is not shown.
		return &sendFailure{msg: fmt.Sprintf("%s: %v", where, inner), err: ue}
	}
	return fmt.Errorf("%s: %w", where, err)
}

// sendFailure is a request that got no answer, worth another attempt.
type sendFailure struct {
	msg string
	err error
}

func (e *sendFailure) Error() string { return e.msg }
func (e *sendFailure) Unwrap() error { return e.err }

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
