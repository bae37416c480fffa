package engine

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// What a new sandbox org is seeded with (its custom attributes, groups and
// people), the credentials a sandbox is made with (its API token, its
// service app's key), and how its org is set up.

// Custom attributes of a new sandbox's user schema. They are not base
// profile attributes (the simulator refuses those, as Okta does).
var sandboxAttrs = []oktatest.Attribute{
	{Name: "employeeId", Title: "Employee ID", Description: "HR system identifier", Type: "string"},
	{Name: "startDate", Title: "Start date", Description: "First working day (YYYY-MM-DD)", Type: "string"},
}

// sandboxGroups are the groups of a new sandbox; people join the group
// named after their department.
var sandboxGroups = []struct{ name, description string }{
	{"Engineering", "Product and platform engineers"},
	{"Sales", "Account executives and sales development"},
}

// sandboxPeople are the users of a new sandbox. startDate "" means two
// weeks after the sandbox was created (a new hire, not yet activated).
var sandboxPeople = []struct {
	first, last, department, title, status, employeeID, startDate string
}{
	{"Olivia", "Smith", "Engineering", "Engineering Manager", "ACTIVE", "E1001", "2019-04-01"},
	{"Liam", "Patel", "Engineering", "Software Engineer", "ACTIVE", "E1002", "2021-09-13"},
	{"Amelia", "Chen", "Sales", "Account Executive", "ACTIVE", "E1003", "2020-02-03"},
	{"Noah", "Garcia", "Sales", "Sales Director", "ACTIVE", "E1004", "2018-06-18"},
	{"Priya", "Nguyen", "Engineering", "Site Reliability Engineer", "PROVISIONED", "E1005", ""},
	{"Marcus", "Kowalski", "Sales", "Sales Development Representative", "SUSPENDED", "E1006", "2022-01-10"},
}

// newSandboxAppKey is the private key of a sandbox's service app (EC P-256,
// PKCS#8 PEM), kept sealed in the account like any app's key.
func newSandboxAppKey() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make the sandbox app's key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// registerSandboxApp registers the service app whose private key is key
// with a sandbox's org (under clientID, or a new id when ""), as an admin
// registers one: DPoP required and every scope the connector uses.
func registerSandboxApp(org *oktatest.Org, clientID string, key []byte) (string, error) {
	signer, _, err := okta.ParsePrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("the sandbox app's key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return "", err
	}
	return org.RegisterOAuthClient(oktatest.OAuthClient{ID: clientID, Name: "oktaflow sandbox app", DPoP: true, Scopes: oauthScopes,
		PublicKey: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})})
}

// seedSandboxOrg builds a new org with the sandbox's users, groups and
// custom attributes. Group memberships go through the org's own API (no
// network: the handler is called directly), so they are logged as Okta would.
func (e *Engine) seedSandboxOrg(token string, sb *sandbox) (*oktatest.Org, error) {
	opts := sb.orgOptions(token)
	opts.CustomAttrs = sandboxAttrs
	org := oktatest.NewOrg(opts)
	groups := map[string]string{}
	for _, g := range sandboxGroups {
		groups[g.name] = org.AddGroup(g.name, g.description).ID
	}
	for _, p := range sandboxPeople {
		login := strings.ToLower(p.first+"."+p.last) + "@example.com"
		start := p.startDate
		if start == "" {
			start = e.now().AddDate(0, 0, 14).Format(time.DateOnly)
		}
		u := org.AddUser(map[string]any{
			"login": login, "email": login, "firstName": p.first, "lastName": p.last,
			"department": p.department, "title": p.title, "employeeId": p.employeeID, "startDate": start,
		}, p.status)
		if gid, ok := groups[p.department]; ok {
			if err := addSeedMember(org, token, gid, u.ID); err != nil {
				return nil, err
			}
		}
	}
	sb.dirty.Store(true)
	return org, nil
}

// orgOptions are the options a sandbox's org runs with: its token, a fresh
// random seed at every start (log event uuids must not repeat those of an
// earlier run), and change tracking for the periodic save.
func (sb *sandbox) orgOptions(token string) oktatest.Options {
	return oktatest.Options{
		Token: token,
		Seed:  mrand.Int64(),
		OnRequest: func(ri oktatest.RequestInfo) {
			if ri.Method != http.MethodGet && ri.Method != http.MethodHead {
				sb.dirty.Store(true)
			}
		},
	}
}

// addSeedMember puts a user in a group through the org's handler.
func addSeedMember(org *oktatest.Org, token, groupID, userID string) error {
	req, err := http.NewRequest(http.MethodPut, "http://127.0.0.1/api/v1/groups/"+groupID+"/users/"+userID, http.NoBody)
	if err != nil {
		return err
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Authorization", "SSWS "+token)
	req.Header.Set("User-Agent", "oktaflow-sandbox")
	w := &statusWriter{header: http.Header{}}
	org.ServeHTTP(w, req)
	if w.status != http.StatusNoContent {
		return fmt.Errorf("seed the sandbox org: adding a group member answered %d", w.status)
	}
	return nil
}

// statusWriter is a ResponseWriter that keeps only the status.
type statusWriter struct {
	header http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

// sandboxToken is a new random API token, shaped like Okta's (42 characters
// starting "00").
func sandboxToken() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a sandbox token: %w", err)
	}
	return "00" + base64.RawURLEncoding.EncodeToString(b), nil
}
