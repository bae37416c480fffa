package okta

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// assertSameJSON fails unless a and b are the same JSON value (key order aside).
func assertSameJSON(t *testing.T, a, b string) {
	t.Helper()
	if !sameJSON(a, b) {
		t.Fatalf("JSON differs:\n in: %s\nout: %s", a, b)
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	da, db := json.NewDecoder(strings.NewReader(a)), json.NewDecoder(strings.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestUserRoundTripKeepsEverything(t *testing.T) {
	in := `{"id":"00u1","status":"STAGED","created":"2020-08-27T18:19:24.000Z","activated":null,
	"transitioningToStatus":"ACTIVE","lastLogin":null,"passwordChanged":"2020-08-27T18:19:24.000Z",
	"type":{"id":"oty1","extra":true},"profile":{"login":"a@b.c","mobilePhone":null,"costCenter":"CC-1","n":1.50,"big":12345678901234567890},
	"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"},"future":[1]},
	"_links":{"self":{"href":"https://h/api/v1/users/00u1"},"logo":[{"name":"x"}]},
	"brandNewKey":{"a":[null]},"realmId":"guo1"}`
	var u User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.ID != "00u1" || u.Status != "STAGED" || u.Activated != nil || u.Created == nil || u.Login() != "a@b.c" ||
		!u.HasPassword() || u.Type.ID != "oty1" || u.RealmID != "guo1" || u.Link("self") != "https://h/api/v1/users/00u1" ||
		u.Profile["costCenter"] != "CC-1" || u.TransitioningToStatus != "ACTIVE" {
		t.Fatalf("decoded %+v", u)
	}
	if _, ok := u.Extra["brandNewKey"]; !ok {
		t.Fatal("unknown key not kept in Extra")
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, in, string(out))
	// Timestamps come back as Okta wrote them, not as Go would.
	if !bytes.Contains(out, []byte(`"created":"2020-08-27T18:19:24.000Z"`)) || !bytes.Contains(out, []byte(`"activated":null`)) {
		t.Errorf("timestamp text or null changed: %s", out)
	}
	// Key order is Okta's.
	if !bytes.HasPrefix(out, []byte(`{"id":"00u1","status":"STAGED","created"`)) {
		t.Errorf("key order changed: %s", out)
	}
}

func TestUserEditsAreEncoded(t *testing.T) {
	var u User
	if err := json.Unmarshal([]byte(`{"id":"00u1","status":"ACTIVE","lastLogin":"2020-01-01T00:00:00.000Z","profile":{"login":"a@b.c"},"x":1}`), &u); err != nil {
		t.Fatal(err)
	}
	u.Status = "SUSPENDED"
	u.LastLogin = nil
	u.Profile["title"] = "Boss"
	ts := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	u.LastUpdated = &ts
	u.Extra["y"] = json.RawMessage(`2`)
	out, _ := json.Marshal(u)
	assertSameJSON(t, `{"id":"00u1","status":"SUSPENDED","profile":{"login":"a@b.c","title":"Boss"},"x":1,"y":2,"lastUpdated":"2021-02-03T04:05:06Z"}`, string(out))

	fresh, _ := json.Marshal(User{ID: "00u2", Profile: map[string]any{"login": "n@b.c"}})
	assertSameJSON(t, `{"id":"00u2","profile":{"login":"n@b.c"}}`, string(fresh))
}

func TestDecodeObjectTolerance(t *testing.T) {
	// A known key with an unexpected type is kept as is, not an error.
	in := `{"id":"00u1","created":"not a time","status":7,"profile":{"a":1},"id":"00u9"}`
	var u User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.ID != "00u9" || u.Created != nil || u.Status != "" || string(u.Extra["created"]) != `"not a time"` {
		t.Fatalf("decoded %+v extra %s", u, u.Extra)
	}
	out, _ := json.Marshal(&u)
	assertSameJSON(t, `{"id":"00u9","created":"not a time","status":7,"profile":{"a":1}}`, string(out))

	for _, bad := range []string{`[1]`, `"x"`, `{"id":`, `{"id":"a"} x`} {
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
	var p *User
	if err := json.Unmarshal([]byte(`null`), &p); err != nil || p != nil {
		t.Errorf("null: %v %v", p, err)
	}
}
