package okta

import (
	"maps"
	"net/http"
	"testing"
)

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   map[string]string
	}{
		{"okta: two headers", []string{
			`<https://a.okta.com/api/v1/users?limit=1&search=profile.lastName+eq+%22Smith%22>; rel="self"`,
			`<https://a.okta.com/api/v1/users?after=00u1&limit=1&search=profile.lastName+eq+%22Smith%22>; rel="next"`,
		}, map[string]string{
			"self": "https://a.okta.com/api/v1/users?limit=1&search=profile.lastName+eq+%22Smith%22",
			"next": "https://a.okta.com/api/v1/users?after=00u1&limit=1&search=profile.lastName+eq+%22Smith%22",
		}},
		{"one header, comma separated", []string{`<https://h/a>; rel="self", <https://h/b?x=1,2>; rel="next"`},
			map[string]string{"self": "https://h/a", "next": "https://h/b?x=1,2"}},
		{"unquoted rel and spacing", []string{`<https://h/n> ;rel=next`}, map[string]string{"next": "https://h/n"}},
		{"several rels in one", []string{`<https://h/x>; rel="next last"`}, map[string]string{"next": "https://h/x", "last": "https://h/x"}},
		{"rel case and other params", []string{`<https://h/x>; type="a;b,c"; REL="Next"; title=x`}, map[string]string{"next": "https://h/x"}},
		{"first wins", []string{`<https://h/1>; rel="next"`, `<https://h/2>; rel="next"`}, map[string]string{"next": "https://h/1"}},
		{"garbage skipped", []string{`junk, <https://h/ok>; rel="next"`}, map[string]string{"next": "https://h/ok"}},
		{"unterminated", []string{`<https://h/ok; rel="next"`}, map[string]string{}},
		{"quoted escape", []string{`<https://h/q>; title="a\"b"; rel="next"`}, map[string]string{"next": "https://h/q"}},
		{"no rel", []string{`<https://h/q>`}, map[string]string{}},
		{"none", nil, map[string]string{}},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Link", v)
		}
		if got := parseLinks(h); !maps.Equal(got, tt.want) {
			t.Errorf("%s: parseLinks = %v; want %v", tt.name, got, tt.want)
		}
	}
	h := http.Header{"Link": {`<https://h/self>; rel="self"`}}
	if got := nextLink(h); got != "" {
		t.Errorf("nextLink without next = %q", got)
	}
}
