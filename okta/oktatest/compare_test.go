package oktatest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// compareBodies compares a recorded and a simulated body.
func (r *replay) compareBodies(where, recBody, simBody string) {
	t := r.t
	if strings.TrimSpace(recBody) == "" {
		if simBody != "" {
			t.Errorf("%s: body %s, recorded none", where, simBody)
		}
		return
	}
	var rec, sim any
	if err := json.Unmarshal([]byte(recBody), &rec); err != nil {
		t.Fatalf("%s: recorded body: %v", where, err)
	}
	if err := json.Unmarshal([]byte(simBody), &sim); err != nil {
		t.Errorf("%s: body %q is not JSON: %v", where, simBody, err)
		return
	}
	if m, isErr := rec.(map[string]any); isErr && m["errorCode"] != nil {
		r.compareError(where, m, sim)
	}
	for _, d := range r.compareShape("$", rec, sim) {
		t.Errorf("%s: %s", where, d)
	}
}

// compareError requires the same errorCode, errorSummary and causes.
func (r *replay) compareError(where string, rec map[string]any, sim any) {
	s, _ := sim.(map[string]any)
	if s["errorCode"] != rec["errorCode"] {
		r.t.Errorf("%s: errorCode %v, recorded %v", where, s["errorCode"], rec["errorCode"])
	}
	if want := r.mapIDs(fmt.Sprint(rec["errorSummary"])); s["errorSummary"] != want {
		r.t.Errorf("%s: errorSummary %q, recorded %q", where, s["errorSummary"], want)
	}
	if got, want := fmt.Sprint(s["errorCauses"]), r.mapIDs(fmt.Sprint(rec["errorCauses"])); got != want {
		r.t.Errorf("%s: errorCauses %s, recorded %s", where, got, want)
	}
}

// compareShape lists the differences of key sets between a recorded and a
// simulated JSON value. Objects must have the same keys (but transientKeys);
// arrays the same length, elements compared by id where they have one;
// scalars the same JSON kind unless either is null.
func (r *replay) compareShape(path string, rec, sim any) []string {
	switch rv := rec.(type) {
	case map[string]any:
		sv, isObject := sim.(map[string]any)
		if !isObject {
			return []string{fmt.Sprintf("%s: %s, recorded an object", path, kind(sim))}
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(rv)) {
			if _, has := sv[k]; !has {
				if _, transient := transientKeys[k]; !transient {
					diffs = append(diffs, fmt.Sprintf("%s: missing key %q", path, k))
				}
				continue
			}
			diffs = append(diffs, r.compareShape(path+"."+k, rv[k], sv[k])...)
		}
		for _, k := range slices.Sorted(maps.Keys(sv)) {
			if _, has := rv[k]; !has {
				diffs = append(diffs, fmt.Sprintf("%s: extra key %q", path, k))
			}
		}
		return diffs
	case []any:
		sv, isArray := sim.([]any)
		if !isArray {
			return []string{fmt.Sprintf("%s: %s, recorded an array", path, kind(sim))}
		}
		if len(sv) != len(rv) {
			return []string{fmt.Sprintf("%s: %d elements, recorded %d", path, len(sv), len(rv))}
		}
		byID := map[string]any{}
		for _, e := range sv {
			if m, isObject := e.(map[string]any); isObject {
				if id, hasID := m["id"].(string); hasID {
					byID[id] = e
				}
			}
		}
		var diffs []string
		for i, e := range rv {
			counterpart := sv[i]
			if m, isObject := e.(map[string]any); isObject {
				if id, hasID := m["id"].(string); hasID && byID[r.ids[id]] != nil {
					counterpart = byID[r.ids[id]]
				}
			}
			diffs = append(diffs, r.compareShape(fmt.Sprintf("%s[%d]", path, i), e, counterpart)...)
		}
		return diffs
	}
	if rec != nil && sim != nil && kind(rec) != kind(sim) {
		return []string{fmt.Sprintf("%s: %s, recorded %s", path, kind(sim), kind(rec))}
	}
	return nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

var linkRE = regexp.MustCompile(`<([^>]*)>;\s*rel="([^"]*)"`)

// links parses Link header values into rel → URL.
func links(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		for _, m := range linkRE.FindAllStringSubmatch(v, -1) {
			out[m[2]] = m[1]
		}
	}
	return out
}

// compareLinks requires every recorded relation, with the same query
// parameters in the same order, and a rel="next" exactly when the
// recording has one. (The 2020 recorder kept only the last Link header, so
// a recorded page may show rel="next" without rel="self".)
func (r *replay) compareLinks(where string, recValues, simValues []string) {
	rec, sim := links(recValues), links(simValues)
	for _, rel := range slices.Sorted(maps.Keys(rec)) {
		s, has := sim[rel]
		if !has {
			r.t.Errorf("%s: no Link rel=%q, recorded %s", where, rel, rec[rel])
			continue
		}
		if got, want := paramNames(s), paramNames(rec[rel]); !slices.Equal(got, want) {
			r.t.Errorf("%s: Link rel=%q has parameters %v, recorded %v (%s vs %s)", where, rel, got, want, s, rec[rel])
		}
	}
	_, simNext := sim["next"]
	if _, recNext := rec["next"]; recNext != simNext {
		r.t.Errorf("%s: rel=\"next\" present %v, recorded %v", where, simNext, recNext)
	}
	if recNext, ok := rec["next"]; ok && simNext {
		r.next[recNext] = sim["next"]
	}
}

// paramNames lists a URL's query parameter names in order.
func paramNames(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return nil
	}
	var names []string
	for p := range strings.SplitSeq(u.RawQuery, "&") {
		name, _, _ := strings.Cut(p, "=")
		names = append(names, name)
	}
	return names
}
