package trigger

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestValidateReportsEveryProblemWithPath(t *testing.T) {
	err := Validate(HTTPPoll, Config{Values: map[string]any{"url": "ftp://x", "poll_interval": "1s", "filter": "item.", "colour": "blue"}})
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		"trigger.config.colour: unknown setting for a http_poll trigger",
		"trigger.config.filter: filter \"item.\"",
		"trigger.config.id_field: ID field is required",
		"trigger.config.poll_interval: 1s is too often",
		`trigger.config.url: "ftp://x" is not an http(s) URL`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if err := Validate("smoke_signal", Config{}); err == nil || !strings.Contains(err.Error(), "unknown trigger type") {
		t.Fatalf("unknown type: %v", err)
	}
	if err := Validate(Webhook, Config{}); err != nil {
		t.Fatalf("webhook needs nothing: %v", err)
	}
	if err := Validate(Kissflow, Config{Values: map[string]any{"subdomain": "a", "account_id": "b", "process_id": "c", "access_key_id": "d"}}); err == nil || !strings.Contains(err.Error(), "access_key_secret") {
		t.Fatalf("kissflow secret required: %v", err)
	}
	if err := Validate(CSV, Config{Values: map[string]any{"path": "/x", "delimiter": ";;"}}); err == nil || !strings.Contains(err.Error(), "one character") {
		t.Fatalf("delimiter: %v", err)
	}
}

func TestPollInterval(t *testing.T) {
	spec, _ := Lookup(CSV)
	if d := (Config{}).PollInterval(spec); d != 30*time.Second {
		t.Fatalf("default %v", d)
	}
	if d := (Config{Values: map[string]any{"poll_interval": "2m"}}).PollInterval(spec); d != 2*time.Minute {
		t.Fatalf("2m → %v", d)
	}
}

type fakeLogs struct {
	filter string
	events []map[string]any
}

func (f *fakeLogs) Poll(_ context.Context, cursor string, since time.Time, filter string) ([]map[string]any, string, error) {
	f.filter = filter
	return f.events, "https://acme.okta.com/api/v1/logs?after=2", nil
}

func (f *fakeLogs) Latest(_ context.Context, filter string) (map[string]any, error) {
	return f.events[len(f.events)-1], nil
}

func TestOktaEvent(t *testing.T) {
	src := &fakeLogs{events: []map[string]any{{"uuid": "e1", "eventType": "user.lifecycle.create"}, {"eventType": "x"}}}
	p, err := NewPoller(OktaEvent, Config{Values: map[string]any{"account": "acme", "event_types": []any{"user.lifecycle.create", "user.lifecycle.deactivate"}, "filter": `target.alternateId sw "c"`}},
		Deps{OktaLogs: func(account string) (LogSource, error) { return src, nil }})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := `(eventType eq "user.lifecycle.create" or eventType eq "user.lifecycle.deactivate") and (target.alternateId sw "c")`
	if src.filter != want {
		t.Fatalf("filter %q, want %q", src.filter, want)
	}
	if len(b.Events) != 1 || b.Events[0].DedupeKey != "okta:e1" || len(b.Problems) != 1 || !strings.Contains(b.Cursor, "after=2") {
		t.Fatalf("batch %+v", b)
	}
	if f := EventFilter([]string{"a.b"}, ""); f != `eventType eq "a.b"` {
		t.Fatalf("single type filter %q", f)
	}
}

// A filter nested deeply enough to overflow expr's parser stack (fatal,
// the service would go down) is refused when the trigger is validated.
func TestDeepFilterIsRefusedNotACrash(t *testing.T) {
	for _, filter := range []string{
		strings.Repeat("[", 1_000_000) + "1" + strings.Repeat("]", 1_000_000),
	} {
		err := Validate(HTTPPoll, Config{Values: map[string]any{"url": "https://api.example.com/x", "id_field": "id", "filter": filter}})
		if err == nil || !strings.Contains(err.Error(), "trigger.config.filter: filter: the expression nests 1,000,000 levels deep; at most 100") {
			t.Errorf("%.10s…: %v", filter, err)
		}
	}
}

// A mistyped setting is named with the one it most likely meant, or with
// the trigger's settings, so the fix is in the message.
func TestUnknownSettingSuggestsTheRightOne(t *testing.T) {
	for _, tc := range []struct{ typ, key, want string }{
		{HTTPPoll, "interval", "did you mean poll_interval?"},
		{CSV, "key_colum", "did you mean key_column?"},
		{CSV, "zzz", "its settings: path"},
	} {
		err := Validate(tc.typ, Config{Values: map[string]any{tc.key: "x"}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.typ, tc.key, err, tc.want)
		}
	}
}
