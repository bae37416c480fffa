package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/headerlines"
)

// Building the request of an http.request step from its resolved fields:
// method, URL, headers (and the secret ones, from the step's sealed
// secret_headers and authorization) and the JSON body.

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
