package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

func kissflowInput(name string, srv *kissflowtest.Server, accountID, keyID, secret string, processes ...string) AccountInput {
	return AccountInput{Name: name, Kind: storage.AccountKissflow, KissflowHost: srv.URL, AllowHTTP: true,
		KissflowAccountID: accountID, AccessKeyID: keyID, AccessKeySecret: storage.Secret(secret), ProcessIDs: processes}
}

// A Kissflow account is verified on entry; a wrong key, a missing Process
// Admin role and a wrong account id are each a clear error on its input.
func TestAddKissflowAccount(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the simulated account is on loopback
	kf := kissflowtest.NewServer(kissflowtest.Options{AccountID: "AcAcme01", AccessKeyID: "Ak1", AccessKeySecret: "s3cret-0123456789",
		NotAdminOf: []string{"Payroll_A01"}})
	defer kf.Close()
	kf.Account.AddProcess("Onboarding_A00", "Onboarding", nil)
	kf.Account.AddProcess("Payroll_A01", "Payroll", nil)
	ctx := context.Background()
	s := h.e.Session("local:alice", RoleAdmin)
	a, err := s.AddAccount(ctx, kissflowInput("kf", kf, "AcAcme01", "Ak1", "s3cret-0123456789", "Onboarding_A00"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.VerifiedAs, "Ak1") || !strings.Contains(a.VerifiedAs, "Onboarding_A00") {
		t.Errorf("verified as %q", a.VerifiedAs)
	}
	stored, _ := h.store.Account("kf")
	if stored.Kind != storage.AccountKissflow || stored.KissflowAccountID != "AcAcme01" || stored.Token.Reveal() != "s3cret-0123456789" {
		t.Errorf("stored %+v", stored)
	}
	if strings.Contains(a.Token.Reveal(), "s3cret") {
		t.Error("the session gave the secret back")
	}
	if _, err := s.VerifyAccount(ctx, "kf"); err != nil {
		t.Errorf("verify again: %v", err)
	}
	if _, err := h.e.KissflowClient("kf"); err != nil {
		t.Errorf("the engine's client: %v", err)
	}
	for i, tc := range []struct {
		name  string
		in    AccountInput
		field string
		is    error
		says  string
	}{
		{"wrong secret", kissflowInput("", kf, "AcAcme01", "Ak1", "wrong"), FieldAccessKeyID, ErrInvalidToken, "access key"},
		{"wrong account", kissflowInput("", kf, "AcOther99", "Ak1", "s3cret-0123456789"), FieldKissflowAccount, ErrUnknownAccount, "AcOther99"},
		{"no Process Admin", kissflowInput("", kf, "AcAcme01", "Ak1", "s3cret-0123456789", "Payroll_A01"), FieldAccessKeyID, ErrMissingRole, "Process Admin"},
		{"no such process", kissflowInput("", kf, "AcAcme01", "Ak1", "s3cret-0123456789", "Nope_A09"), FieldProcess, nil, "Nope_A09"},
		{"no account id", kissflowInput("", kf, "", "Ak1", "x"), FieldKissflowAccount, nil, "account id"},
		{"no secret", kissflowInput("", kf, "AcAcme01", "Ak1", ""), FieldAccessKeySecret, nil, "secret"},
		{"bad host", AccountInput{Kind: storage.AccountKissflow, KissflowHost: "https://acme.kissflow.com/some/path", KissflowAccountID: "A", AccessKeyID: "k", AccessKeySecret: "s"}, FieldDomain, nil, "host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Name = fmt.Sprintf("kf%d", i)
			wantRefused(t, h, tc.in, tc.field, tc.is, tc.says)
		})
	}
	// A Kissflow account runs no Okta step, and has no Okta schema.
	if _, err := s.RefreshSchema(ctx, "kf"); err == nil || !strings.Contains(err.Error(), "Kissflow") {
		t.Errorf("refresh schema of a Kissflow account: %v", err)
	}
}
