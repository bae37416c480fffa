package okta

import (
	"net/http"
	"strings"
)

// parseLinks reads RFC 8288 Link headers into rel → target. Okta sends one header per link
// (`<...>; rel="self"` and `<...>; rel="next"`), but a single header may also hold several
// comma-separated links and a rel may name several relations; all forms are read. The first
// link for a rel wins. Targets are returned exactly as sent: a next link is followed as is,
// never rebuilt.
func parseLinks(h http.Header) map[string]string {
	links := make(map[string]string)
	for _, v := range h.Values("Link") {
		for len(v) > 0 {
			var target string
			var rels []string
			target, rels, v = parseLinkValue(v)
			for _, r := range rels {
				if _, dup := links[r]; !dup && target != "" {
					links[r] = target
				}
			}
		}
	}
	return links
}

// nextLink returns the rel="next" target, or "".
func nextLink(h http.Header) string { return parseLinks(h)["next"] }

// parseLinkValue parses one link-value from s and returns the rest after its comma.
// Malformed input is skipped up to the next comma outside <> and quotes.
func parseLinkValue(s string) (target string, rels []string, rest string) {
	s = strings.TrimLeft(s, " \t,")
	if s == "" {
		return "", nil, ""
	}
	if s[0] != '<' {
		return "", nil, skipToComma(s)
	}
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return "", nil, ""
	}
	target = strings.TrimSpace(s[1:end])
	s = s[end+1:]
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return target, rels, ""
		}
		if s[0] == ',' {
			return target, rels, s[1:]
		}
		if s[0] != ';' {
			return target, rels, skipToComma(s)
		}
		var name, val string
		name, val, s = parseLinkParam(s[1:])
		if strings.EqualFold(name, "rel") {
			for _, r := range strings.Fields(val) {
				rels = append(rels, strings.ToLower(r))
			}
		}
	}
}

// parseLinkParam parses `name=value` or `name="quoted value"` and returns the rest.
func parseLinkParam(s string) (name, val, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.TrimSpace(s), "", ""
	}
	name = strings.TrimSpace(s[:i])
	if s[i] != '=' {
		return name, "", s[i:]
	}
	s = strings.TrimLeft(s[i+1:], " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for j := 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '\\' && j+1 < len(s):
				j++
				b.WriteByte(s[j])
			case c == '"':
				return name, b.String(), s[j+1:]
			default:
				b.WriteByte(c)
			}
		}
		return name, b.String(), ""
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:j]), s[j:]
}

// skipToComma drops s up to and including the next comma outside quotes and <>.
func skipToComma(s string) string {
	inQuote, inAngle := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"' && !inAngle:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case c == ',' && !inQuote && !inAngle:
			return s[i+1:]
		}
	}
	return ""
}
