package action

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oktaflow/oktaflow/engine/mapping"
)

// Reading the answer of an http.request step: the expected statuses, the
// step's output (status, headers, body), and errors that never show a
// secret of the URL.

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
