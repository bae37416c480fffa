package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// An http_poll document's headers and secret-looking URL parameters are
// sealed at import (trigger.SplitSecrets), and export leaves them out.
func TestHTTPPollSecretsAreSealedAtImport(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	doc := `{"name": "poll", "trigger": {"type": "http_poll", "config": {
	    "url": "https://api.example.com/people?page=1&api_key=k-123", "id_field": "id",
	    "headers": {"X-Api-Key": "h-456"}}},
	  "steps": [{"id": "get", "action": "okta.get_user", "account": "sandbox", "fields": {"login": "{{ trigger.email }}"}}]}`
	in, err := h.e.Import(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if in.Trigger.Secrets["secret_query"].Reveal() != "api_key: k-123" || in.Trigger.Secrets["headers"].Reveal() != "X-Api-Key: h-456" {
		t.Fatalf("sealed: %v", in.Trigger.Secrets)
	}
	raw, _ := json.Marshal(DocumentOf(in))
	if strings.Contains(string(raw), "k-123") || strings.Contains(string(raw), "h-456") {
		t.Fatalf("export holds a secret: %s", raw)
	}
	if !strings.Contains(string(raw), `"url":"https://api.example.com/people?page=1"`) {
		t.Fatalf("export: %s", raw)
	}
}
