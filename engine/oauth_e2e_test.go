package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// The whole path with an OAuth 2.0 service app that demands DPoP, the
// resource server asking for a nonce in every proof too: the account is
// added and verified, a webhook integration that acts on it is switched
// ON, a POST to the real listener queues a run, the scheduler runs it, and
// the user exists in the org. A second delivery reuses the cached access
// token: no new token request.
func TestOAuthDPoPAccountRunsTheIntegrationEndToEnd(t *testing.T) {
	h := newHarness(t, oktatest.Options{DPoPResourceNonce: true})
	private, public := serviceApp(t)
	scopes := []string{okta.ScopeUsersRead, okta.ScopeUsersManage, okta.ScopeSchemasRead}
	clientID, err := h.sim.RegisterOAuthClient(oktatest.OAuthClient{Name: "oktaflow", PublicKey: public, DPoP: true, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin := h.e.Session("local:alice", RoleAdmin)
	acct, err := admin.AddAccount(ctx, oauthInput("acme-app", h.sim.URL, clientID, private, scopes...))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(acct.VerifiedAs, clientID) || !strings.Contains(acct.VerifiedAs, "DPoP") {
		t.Fatalf("verified as %q", acct.VerifiedAs)
	}
	res, err := admin.Import(ctx, []byte(strings.Replace(onboarding, `"account": "sandbox"`, `"account": "acme-app"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	in := res.Integration
	if _, err := admin.SetEnabled(ctx, in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	secret, err := admin.RevealSecret(in.ID, "secret")
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	if err := h.e.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	hook := h.e.ListenInfo().URL + "/hooks/" + in.ID
	deliver := func(p map[string]any) {
		t.Helper()
		body, _ := json.Marshal(p)
		req, _ := http.NewRequest(http.MethodPost, hook, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret.Reveal())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST %s: %s", hook, resp.Status)
		}
	}
	nonceChallenges := func() int {
		n := 0
		for k, c := range h.sim.RequestCounts() {
			if k.Status == http.StatusUnauthorized && strings.HasPrefix(k.Bucket, "/api/") {
				n += c
			}
		}
		return n
	}

	deliver(person(1))
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		runs, _ := h.store.ListRuns(storage.RunQuery{Limit: 1})
		t.Fatalf("first run: %v %+v", counts, runs)
	}
	if u, ok := h.sim.UserByLogin("user1@acme.com"); !ok || u.Status != "PROVISIONED" { // activated without a password: the user sets one
		t.Fatalf("the user in the org: %+v %v", u, ok)
	}
	if nonceChallenges() == 0 {
		t.Errorf("the resource server never asked for a nonce: %v", h.sim.RequestCounts())
	}
	tokens := h.sim.RequestCount("/oauth2/v1", http.StatusOK)
	if tokens == 0 {
		t.Fatalf("no token was issued: %v", h.sim.RequestCounts())
	}

	deliver(person(2))
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 2 {
		t.Fatalf("second run: %v", counts)
	}
	if _, ok := h.sim.UserByLogin("user2@acme.com"); !ok {
		t.Fatal("the second user is not in the org")
	}
	if again := h.sim.RequestCount("/oauth2/v1", http.StatusOK); again != tokens {
		t.Errorf("the second run asked for a new token (%d token answers, %d before)", again, tokens)
	}
}
