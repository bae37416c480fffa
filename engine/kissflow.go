package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// kissflowClients keeps one Kissflow client per set of credentials and one
// pacer per Kissflow account (its origin and account id): every trigger
// and write-back step that reaches an account, through an oktaflow account
// or a trigger's own keys, waits on the same pacer, so that together they
// stay within oktaflow's share of the account's 400 calls a minute.
// A client is rebuilt when its account's host or keys change.
//
// Every client applies the address policy when it connects
// (trigger.PolicyClient): a Kissflow account or a trigger's own keys may
// name any host, and whoever may add an account or save an integration must
// not reach, with them, what only this machine can reach. The exception is
// a Kissflow sandbox, the engine's own simulator on a loopback port.
type kissflowClients struct {
	e       *Engine
	mu      sync.Mutex
	clients map[string]cachedKissflow // by oktaflow account id, or "inline:" + credentials hash
	pacers  map[string]*kissflow.Pacer
	// sandboxes are the Kissflow sandboxes running in this engine.
	sandboxes *kfSandboxSet
}

type cachedKissflow struct {
	fingerprint string
	client      *kissflow.Client
}

func newKissflowClients(e *Engine) *kissflowClients {
	return &kissflowClients{e: e, clients: map[string]cachedKissflow{}, pacers: map[string]*kissflow.Pacer{},
		sandboxes: newSimSet[*kfSandbox]()}
}

// kissflowConfig is how to reach a Kissflow account of the store.
func kissflowConfig(a storage.Account) kissflow.Config {
	return kissflow.Config{
		Host: a.OrgURL, Region: a.Region, AccountID: a.KissflowAccountID,
		AccessKeyID: a.KissflowAccessKeyID, AccessKeySecret: a.Token.Reveal(),
		AllowHTTP: a.AllowHTTP,
	}
}

func fingerprint(c kissflow.Config) string {
	h := sha256.New()
	for _, s := range []string{c.Host, c.Region, c.AccountID, c.AccessKeyID, c.AccessKeySecret, c.BaseURL, c.ListURL, c.ItemURL, c.FieldURL, fmt.Sprint(c.AllowHTTP)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// client returns the cached client for key, building it from cfg when it
// is new or cfg changed. sandbox says that cfg is a Kissflow sandbox's.
func (k *kissflowClients) client(key string, cfg kissflow.Config, sandbox bool) (*kissflow.Client, error) {
	allowPrivate := sandbox || k.e.opts.AllowPrivateAddresses
	fp := fingerprint(cfg) + fmt.Sprint(allowPrivate)
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.clients[key]; ok && c.fingerprint == fp {
		return c.client, nil
	}
	origin, _, err := kissflow.Origin(cfg.Host, cfg.Region, cfg.AllowHTTP)
	if err != nil {
		return nil, err
	}
	pacerKey := origin + "|" + strings.TrimSpace(cfg.AccountID)
	p, ok := k.pacers[pacerKey]
	if !ok {
		p = kissflow.NewPacer(k.e.opts.KissflowSharePerMinute, 0)
		k.pacers[pacerKey] = p
	}
	opts := []kissflow.Option{
		kissflow.WithPacer(p), kissflow.WithUserAgent("oktaflow"),
		kissflow.WithHTTPClient(trigger.PolicyClient(&http.Client{Timeout: 60 * time.Second}, allowPrivate)),
	}
	opts = append(opts, k.e.opts.KissflowOptions...)
	c, err := kissflow.New(cfg, opts...)
	if err != nil {
		return nil, err
	}
	k.clients[key] = cachedKissflow{fingerprint: fp, client: c}
	return c, nil
}

func (k *kissflowClients) forget(accountID string) {
	k.mu.Lock()
	delete(k.clients, accountID)
	k.mu.Unlock()
}

// KissflowClient returns the client of a Kissflow account (by id or name):
// the one its triggers and write-back steps share.
func (e *Engine) KissflowClient(idOrName string) (*kissflow.Client, error) {
	a, err := e.store.Account(idOrName)
	if err != nil {
		return nil, err
	}
	if a.Kind != storage.AccountKissflow {
		return nil, fmt.Errorf("account %q is an Okta account, not a Kissflow account: pick a Kissflow account", a.Name)
	}
	return e.kissflow.client(a.ID, kissflowConfig(a), IsKissflowSandbox(a))
}

// kissflowInline is the client of a trigger that holds its own keys.
func (e *Engine) kissflowInline(cfg kissflow.Config) (*kissflow.Client, error) {
	return e.kissflow.client("inline:"+fingerprint(cfg), cfg, false)
}

// KissflowPacing returns the pacing counters of every Kissflow account a
// client has reached, by the account's origin and id.
func (e *Engine) KissflowPacing() map[string]kissflow.PacerStats {
	e.kissflow.mu.Lock()
	defer e.kissflow.mu.Unlock()
	out := make(map[string]kissflow.PacerStats, len(e.kissflow.pacers))
	for key, p := range e.kissflow.pacers {
		out[key] = p.Stats()
	}
	return out
}

// VerifyKissflow checks Kissflow credentials (and, for each process given,
// the Process Admin role) without storing anything. Its verdicts are
// *kissflow.VerifyError (errors.Is with kissflow.ErrInvalidKey,
// ErrUnknownAccount, ErrNoProcessAdmin, ErrUnknownProcess); a bad setting
// is a *kissflow.ConfigError.
func (e *Engine) VerifyKissflow(ctx context.Context, cfg kissflow.Config, processIDs ...string) (kissflow.Identity, error) {
	return e.verifyKissflow(ctx, cfg, false, processIDs...)
}

// verifyKissflow is VerifyKissflow; sandbox says that cfg is a Kissflow
// sandbox's being created (exempt from the address policy).
func (e *Engine) verifyKissflow(ctx context.Context, cfg kissflow.Config, sandbox bool, processIDs ...string) (kissflow.Identity, error) {
	c, err := e.kissflow.client("verify:"+fingerprint(cfg), cfg, sandbox)
	if err != nil {
		return kissflow.Identity{}, err
	}
	defer e.kissflow.forget("verify:" + fingerprint(cfg))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.Verify(ctx, processIDs...)
}

// kissflowAction adapts an account's client to what actions need.
func (e *Engine) kissflowAction(account string) (action.Kissflow, error) {
	c, err := e.KissflowClient(account)
	if err != nil {
		return nil, err
	}
	return kissflowConn{c}, nil
}

// kissflowConn is a *kissflow.Client as action.Kissflow.
type kissflowConn struct{ c *kissflow.Client }

func (k kissflowConn) GetItem(ctx context.Context, processID, itemID string) (map[string]any, error) {
	return k.c.GetItem(ctx, processID, itemID)
}

func (k kissflowConn) UpdateItem(ctx context.Context, processID, itemID string, fields map[string]any) (map[string]any, error) {
	return k.c.UpdateItem(ctx, processID, itemID, fields)
}

func (k kissflowConn) ProcessFields(ctx context.Context, processID string) ([]action.KissflowField, error) {
	fields, err := k.c.ProcessFields(ctx, processID)
	if err != nil {
		return nil, err
	}
	out := make([]action.KissflowField, len(fields))
	for i, f := range fields {
		out[i] = action.KissflowField{ID: f.ID, Name: f.Name, Type: f.Type, Required: f.Required}
	}
	return out, nil
}

var _ action.Kissflow = kissflowConn{}
