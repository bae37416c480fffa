package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// The account form focuses the input that holds a problem: it learns which
// from the error's type, never from its text.
func TestAddAccountErrorsNameTheirField(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    AccountInput
		field string
		is    error
	}{
		{"bad token", AccountInput{Name: "acme", Domain: h.sim.URL, Token: "00wrong-token-wrong-token-wrong-token-000", AllowHTTP: true}, FieldToken, ErrInvalidToken},
		{"Bearer prefix kept", AccountInput{Name: "acme", Domain: h.sim.URL, Token: storage.Secret("Bearer " + h.sim.Token), AllowHTTP: true}, FieldToken, nil},
		{"spaces", AccountInput{Name: "acme", Domain: h.sim.URL, Token: "00abc def", AllowHTTP: true}, FieldToken, nil},
		{"bad domain", AccountInput{Name: "acme", Domain: "acme-admin.okta.com", Token: "x"}, FieldDomain, nil},
		{"taken name", AccountInput{Name: "sandbox", Domain: h.sim.URL, Token: "x", AllowHTTP: true}, FieldName, storage.ErrExists},
		{"bad name", AccountInput{Name: "a b", Domain: h.sim.URL, Token: "x", AllowHTTP: true}, FieldName, storage.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.e.AddAccount(ctx, tc.in)
			if err == nil {
				t.Fatal("added")
			}
			if got := AccountErrorField(err); got != tc.field {
				t.Errorf("field %q, want %q (%v)", got, tc.field, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v is not %v", err, tc.is)
			}
		})
	}
}

func TestCheckOrgDomain(t *testing.T) {
	for _, tc := range []struct {
		in, url string
		http    bool
		bad     bool
	}{
		{"acme.okta.com", "https://acme.okta.com", false, false},
		{"https://acme.oktapreview.com/", "https://acme.oktapreview.com", false, false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true, false},
		{"acme-admin.okta.com", "", false, true},
		{"http://acme.okta.com", "", false, true},
	} {
		d, err := CheckOrgDomain(tc.in)
		if tc.bad {
			if err == nil || AccountErrorField(err) != FieldDomain {
				t.Errorf("%q: %+v %v, want a domain error", tc.in, d, err)
			}
			continue
		}
		if err != nil || d.OrgURL != tc.url || d.AllowHTTP != tc.http {
			t.Errorf("%q: %+v %v", tc.in, d, err)
		}
	}
}

// wantRefused adds an account that must be refused: on field, as is says
// (when set), with a message that says says, and with nothing stored. It
// returns the error for further checks.
func wantRefused(t *testing.T, h *harness, in AccountInput, field string, is error, says string) error {
	t.Helper()
	_, err := h.e.AddAccount(context.Background(), in)
	if err == nil {
		t.Fatal("added")
	}
	if got := AccountErrorField(err); got != field {
		t.Errorf("field %q, want %q: %v", got, field, err)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("%v is not %v", err, is)
	}
	if !strings.Contains(err.Error(), says) {
		t.Errorf("%q does not say %q", err, says)
	}
	if _, err := h.store.Account(in.Name); err == nil {
		t.Error("stored although it failed")
	}
	return err
}
