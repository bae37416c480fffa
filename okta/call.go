package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// call performs r and decodes a JSON answer into out (when out is not nil and the answer
// has a body other than "{}" — lifecycle calls answer 200 {} or 204 with no body).
func (c *Client) call(ctx context.Context, r *request, out any) (*response, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil && !emptyBody(resp.body) {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, fmt.Errorf("okta: %s %s: decoding the answer: %w", r.method, pathOf(r), err)
		}
	}
	return resp, nil
}

// emptyBody reports a body with no content: nothing, whitespace, or an empty object.
func emptyBody(b []byte) bool {
	b = bytes.TrimSpace(b)
	var m map[string]json.RawMessage
	return len(b) == 0 || (json.Unmarshal(b, &m) == nil && len(m) == 0)
}

// pathOf names a request in messages without its query.
func pathOf(r *request) string {
	if r.link != "" {
		return "(next page)"
	}
	return r.path
}
