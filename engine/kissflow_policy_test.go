package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// internalService stands for what only this machine can reach: it counts
// the requests it gets and answers them with something worth stealing.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"internal": "the answer of a service only this machine can reach"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func inlineKissflowIntegration(baseURL string) storage.Integration {
	return storage.Integration{Name: "KF",
		Trigger: storage.Trigger{Type: trigger.Kissflow, Config: map[string]any{
			"subdomain": "acme", "account_id": "AcAcme", "access_key_id": "kid", "process_id": "Onboarding",
			"base_url": baseURL},
			Secrets: map[string]storage.Secret{"access_key_secret": "ksecret"}},
		Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox",
			Fields: map[string]string{"login": "{{ trigger.Email }}"}}}}
}

// A Kissflow trigger's API base URL is held to the address policy like a
// polled URL: refused at save when it names a loopback or private address,
// and refused at connect time by the client the trigger gets, so neither
// the trigger's keys nor an internal answer ever cross.
func TestKissflowTriggerBaseURLFollowsTheAddressPolicy(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.KissflowOptions = []kissflow.Option{kissflow.WithRetry(2, time.Millisecond)}
	internal, hits := internalService(t)
	for _, base := range []string{
		internal.URL + "/internal/{account_id}",
		strings.Replace(internal.URL, "http://", "https://", 1) + "/internal/{account_id}",
		"https://{subdomain}.localhost/process/2/{account_id}",
	} {
		msg := problemAt(h.e.ValidateIntegration(inlineKissflowIntegration(base)), "trigger.config.base_url")
		if !strings.Contains(msg, "allow-private-addresses") {
			t.Errorf("base_url %s: %q, want a refusal naming the switch", base, msg)
		}
	}
	// Saved before the rule (or by another path): the connection is refused.
	for _, base := range []string{internal.URL + "/internal/{account_id}", strings.Replace(internal.URL, "http://", "https://", 1) + "/internal/{account_id}"} {
		cfg := kissflow.Config{Host: "acme", AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "ksecret", BaseURL: base}
		c, err := h.e.kissflowInline(cfg)
		if err == nil {
			_, err = c.GetItem(context.Background(), "Onboarding", "Pk1")
		}
		var addrErr *trigger.AddressError
		var cfgErr *kissflow.ConfigError // plain http: Kissflow is https, but for the sandbox
		if !errors.As(err, &addrErr) && !errors.As(err, &cfgErr) {
			t.Errorf("base_url %s: %v", base, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the internal service got %d requests from a Kissflow trigger", n)
	}
	// The trigger as the poll loop builds it.
	p, err := trigger.NewPoller(trigger.Kissflow, trigger.Config{Values: inlineKissflowIntegration(internal.URL + "/x/{account_id}").Trigger.Config,
		Secrets: map[string]string{"access_key_secret": "ksecret"}}, h.e.triggerDeps())
	if err == nil {
		_, err = p.Poll(context.Background(), "", h.e.now())
	}
	if err == nil || hits.Load() != 0 {
		t.Fatalf("poll of a loopback base_url: %v, %d requests", err, hits.Load())
	}
}

// A Kissflow account on a loopback address (a local simulator added with
// plain http allowed) is reached only when the operator allows private
// addresses; the Kissflow sandbox, the engine's own, always.
func TestKissflowAccountOnLoopbackNeedsTheSwitch(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.KissflowOptions = []kissflow.Option{kissflow.WithRetry(2, time.Millisecond)}
	kf := kissflowtest.NewServer(kissflowtest.Options{AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "ksecret"})
	t.Cleanup(func() { kf.Close() })
	kf.Account.AddProcess("Onboarding", "Employee onboarding", testProcessFields)
	if _, err := h.store.AddAccount(storage.Account{Name: "hr", Kind: storage.AccountKissflow, OrgURL: kf.URL, AllowHTTP: true,
		KissflowAccountID: "AcAcme", KissflowAccessKeyID: "kid", Token: storage.Secret("ksecret")}); err != nil {
		t.Fatal(err)
	}
	verify := func() error {
		c, err := h.e.KissflowClient("hr")
		if err != nil {
			return err
		}
		_, err = c.Verify(context.Background(), "Onboarding")
		return err
	}
	var addrErr *trigger.AddressError
	if err := verify(); !errors.As(err, &addrErr) {
		t.Fatalf("a loopback Kissflow account without the switch: %v", err)
	}
	cfg := kissflow.Config{Host: kf.URL, AllowHTTP: true, AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "ksecret"}
	if _, err := h.e.VerifyKissflow(context.Background(), cfg); !errors.As(err, &addrErr) {
		t.Fatalf("verifying a loopback Kissflow account without the switch: %v", err)
	}
	h.e.opts.AllowPrivateAddresses = true
	if err := verify(); err != nil {
		t.Fatalf("with the switch: %v", err)
	}
	h.e.opts.AllowPrivateAddresses = false
	sb, err := h.e.CreateKissflowSandbox(context.Background(), "kf-sandbox")
	if err != nil {
		t.Fatalf("the Kissflow sandbox: %v", err)
	}
	c, err := h.e.KissflowClient(sb.Name)
	if err == nil {
		_, err = c.Verify(context.Background(), KissflowSandboxProcess)
	}
	if err != nil {
		t.Fatalf("the Kissflow sandbox without the switch: %v", err)
	}
}
