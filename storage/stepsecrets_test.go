package storage

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A step's secrets (http.request's authorization, say) are sealed at rest
// under their integration, step and key; they never reach the file in
// clear, come back intact, and are copies, not the cache's own map.
func TestStepSecretsAreSealedPerStep(t *testing.T) {
	s, _ := openTest(t)
	const auth = "Bearer step-SECRET-token-0123456789"
	const header = "X-Api-Key: hdr-SECRET-0123456789"
	in, err := s.CreateIntegration(Integration{Name: "notify", Trigger: Trigger{Type: "webhook"},
		Steps: []Step{
			{ID: "call", Action: "http.request", Fields: map[string]string{"url": "https://hr.example.com"},
				Secrets: map[string]Secret{"authorization": auth, "secret_headers": header}},
			{ID: "other", Action: "http.request", Fields: map[string]string{"url": "https://x.example.com"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Integration(in.ID)
	if err != nil || got.Steps[0].Secrets["authorization"].Reveal() != auth || got.Steps[0].Secrets["secret_headers"].Reveal() != header || got.Steps[1].Secrets != nil {
		t.Fatalf("read back: %+v %v", got.Steps, err)
	}
	got.Steps[0].Secrets["authorization"] = "leak"
	if again, _ := s.Integration(in.ID); again.Steps[0].Secrets["authorization"].Reveal() != auth {
		t.Fatal("a caller's change reached the cache's step secrets")
	}
	if raw, _ := json.Marshal(got); bytes.Contains(raw, []byte("SECRET")) {
		t.Fatalf("a step secret is in the integration's JSON: %s", raw)
	}

	// A sealed value moved to another step (or integration) does not open.
	var sealed string
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIntegrations)
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(b.Get([]byte(in.ID)), &rec); err != nil {
			return err
		}
		var steps map[string]map[string]string
		if err := json.Unmarshal(rec["sealedStepSecrets"], &steps); err != nil {
			return err
		}
		sealed = steps["call"]["authorization"]
		steps["other"] = map[string]string{"authorization": sealed}
		rec["sealedStepSecrets"], _ = json.Marshal(steps)
		raw, _ := json.Marshal(rec)
		return b.Put([]byte(in.ID), raw)
	})
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) {
		t.Fatalf("sealed form %q: %v", sealed, err)
	}
	s.integrations.invalidate()
	if _, err := s.Integration(in.ID); err == nil || !strings.Contains(err.Error(), `step "other" secret "authorization"`) {
		t.Fatalf("a sealed value copied to another step opened, or the error does not say where: %v", err)
	}

	path := s.Path()
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{auth, header, "step-SECRET", "hdr-SECRET"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the database file holds %q in clear", secret)
		}
	}
}

// The key check at open also tries a step's sealed secret when the file
// holds no other.
func TestWrongKeyIsCaughtOnAStepSecret(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.CreateIntegration(Integration{Name: "n", Trigger: Trigger{Type: "manual"},
		Steps: []Step{{ID: "call", Action: "http.request", Secrets: map[string]Secret{"authorization": "Bearer abcdefghijklmnop"}}}}); err != nil {
		t.Fatal(err)
	}
	var found error
	err := s.db.View(func(tx *bolt.Tx) error { found = s.opensExistingSecret(tx); return nil })
	if err != nil || found != nil {
		t.Fatalf("the right key: %v %v", err, found)
	}
	other, _ := newSealer(bytes.Repeat([]byte{7}, keySize))
	right := s.sealer
	s.sealer = other
	defer func() { s.sealer = right }()
	_ = s.db.View(func(tx *bolt.Tx) error { found = s.opensExistingSecret(tx); return nil })
	if found == nil {
		t.Fatal("a wrong key passed the check on a step secret")
	}
}
