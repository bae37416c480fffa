package storage

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestCachesFollowEveryChange(t *testing.T) {
	s, _ := openTest(t)
	in, err := s.CreateIntegration(Integration{Name: "b-first", Trigger: Trigger{Type: "webhook", Config: map[string]any{"path": "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Integration(in.ID); got.Name != "b-first" { // loads the cache
		t.Fatalf("%+v", got)
	}
	in.Name = "a-renamed"
	if _, err := s.UpdateIntegration(in); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Integration(in.ID); got.Name != "a-renamed" {
		t.Fatalf("after update: %q", got.Name)
	}
	if _, err := s.SetEnabled(in.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Integration(in.ID); !got.Enabled {
		t.Fatal("after switch ON: still OFF in the cache")
	}
	other, _ := s.CreateIntegration(Integration{Name: "c", Trigger: Trigger{Type: "manual"}})
	if list, _ := s.Integrations(); len(list) != 2 || list[0].ID != in.ID || list[1].ID != other.ID {
		t.Fatalf("list after create: %+v", list)
	}
	if err := s.DeleteIntegration(other.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Integrations(); len(list) != 1 {
		t.Fatalf("list after delete: %d", len(list))
	}

	a, err := s.AddAccount(Account{Name: "acme", Token: "tok-1234567890abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account("ACME"); got.ID != a.ID {
		t.Fatalf("by name: %+v", got)
	}
	a.VerifiedAs = "admin@acme.com"
	a.Token = "tok-new-0987654321fedcba"
	if err := s.UpdateAccount(a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Account(a.ID); got.VerifiedAs != "admin@acme.com" || got.Token.Reveal() != "tok-new-0987654321fedcba" {
		t.Fatalf("after update: %+v", got)
	}
	if err := s.RemoveAccount("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Account("acme"); err == nil {
		t.Fatal("a removed account is still served")
	}
}

func TestCachedValuesAreCopies(t *testing.T) {
	s, _ := openTest(t)
	in, _ := s.CreateIntegration(Integration{Name: "x", Trigger: Trigger{Type: "csv", Config: map[string]any{"columns": []any{"a", "b"}, "opts": map[string]any{"sep": ","}},
		Secrets: map[string]Secret{"k": "secret-value-123456"}},
		Steps: []Step{{ID: "s1", Action: "okta.add_user", Fields: map[string]string{"login": "{{ trigger.email }}"}, Options: map[string]any{"match": "first"}}}})
	a, _ := s.AddAccount(Account{Name: "o", Auth: AuthOAuth, OAuthClientID: "0oa", PrivateKey: testPrivateKey, OAuthScopes: []string{"okta.users.manage"}})
	got, _ := s.Integration(in.ID)
	got.Name = "changed"
	got.Trigger.Config["columns"].([]any)[0] = "zzz"
	got.Trigger.Config["opts"].(map[string]any)["sep"] = ";"
	got.Trigger.Secrets["k"] = "leak"
	got.Steps[0].Fields["login"] = "nope"
	got.Steps[0].Options["match"] = "all"
	got.Steps[0].ID = "s2"
	acc, _ := s.Account(a.ID)
	acc.OAuthScopes[0] = "everything"

	again, _ := s.Integration(in.ID)
	if again.Name != "x" || again.Trigger.Config["columns"].([]any)[0] != "a" || again.Trigger.Config["opts"].(map[string]any)["sep"] != "," ||
		again.Trigger.Secrets["k"] != "secret-value-123456" || again.Steps[0].Fields["login"] != "{{ trigger.email }}" ||
		again.Steps[0].Options["match"] != "first" || again.Steps[0].ID != "s1" {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}
	if list, _ := s.Integrations(); list[0].Trigger.Config["columns"].([]any)[0] != "a" {
		t.Fatal("the listing shares the cache's values")
	}
	if acc2, _ := s.Account(a.ID); acc2.OAuthScopes[0] != "okta.users.manage" {
		t.Fatal("an account's scopes are shared with the cache")
	}
}

// Readers and writers at once (run with -race): readers always see a
// complete integration, and once a write returns every reader sees it.
func TestCacheUnderConcurrentReadersAndWriters(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.Integration(in.ID)
				if err != nil || len(got.Steps) != 1 {
					t.Errorf("reader: %+v %v", got, err)
					return
				}
				got.Steps[0].Fields = map[string]string{"x": "y"} // harmless: a copy
				if _, err := s.Integrations(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 30 {
		in.Description = fmt.Sprint("v", i)
		if _, err := s.UpdateIntegration(in); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Integration(in.ID); got.Description != in.Description {
			t.Fatalf("after write %d the cache serves %q", i, got.Description)
		}
	}
	close(stop)
	wg.Wait()
}
