package kissflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Identity is what Verify learned.
type Identity struct {
	Origin    string // https://acme.kissflow.com
	AccountID string
	// CanListUsers is false when the key works but its user may not list
	// the account's users (not an account admin): fine for oktaflow.
	CanListUsers bool
	// ProcessAdmin lists the processes checked for the Process Admin role.
	ProcessAdmin []string
}

// Verify checks the access key with a cheap authenticated call, then, for
// each process given, that the key's user may list its items (the Process
// Admin role). Its errors are *VerifyError with Kind ErrInvalidKey,
// ErrUnknownAccount, ErrNoProcessAdmin or ErrUnknownProcess, saying what
// to fix; other failures (Kissflow unreachable, 5xx after retries) are
// returned as they are.
func (c *Client) Verify(ctx context.Context, processIDs ...string) (Identity, error) {
	id := Identity{Origin: c.r.origin, AccountID: c.AccountID()}
	probe := strings.NewReplacer("{host}", c.r.origin, "{account_id}", url.PathEscape(c.AccountID())).Replace(userProbeURL) +
		"?page_number=1&page_size=1"
	err := c.do(ctx, http.MethodGet, probe, "check the access key", nil, nil)
	var ae *APIError
	switch {
	case err == nil:
		id.CanListUsers = true
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return id, &VerifyError{Kind: ErrInvalidKey, Field: "access_key_id", Err: err,
			Msg: fmt.Sprintf("Kissflow refused the access key (401) at %s: check the access key id and secret (in Kissflow: My profile → API keys), and that %s is the key's account id", c.r.origin, c.AccountID())}
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return id, &VerifyError{Kind: ErrUnknownAccount, Field: "account_id", Err: err,
			Msg: fmt.Sprintf("Kissflow has no account %q at %s (404): check the account id (Ac…, in Kissflow's account settings) and the subdomain and region", c.AccountID(), c.r.origin)}
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		// The key was accepted; its user is not an account admin.
	default:
		return id, err
	}
	for _, p := range processIDs {
		if strings.TrimSpace(p) == "" {
			continue
		}
		_, err := c.ListItems(ctx, p, 1, 1)
		switch {
		case err == nil:
			id.ProcessAdmin = append(id.ProcessAdmin, p)
		case IsForbidden(err):
			return id, &VerifyError{Kind: ErrNoProcessAdmin, Field: "access_key_id", Err: err,
				Msg: fmt.Sprintf("the access key works, but its user is not a Process Admin of %s (403): in Kissflow, open the process → Settings → Roles/Permissions and add the key's user as Process admin, or use a key of a user who is", p)}
		case IsNotFound(err):
			return id, &VerifyError{Kind: ErrUnknownProcess, Field: "process_id", Err: err,
				Msg: fmt.Sprintf("Kissflow has no process %q in account %s (404): check the process id (as in the process's URL, e.g. Employee_Onboarding_A00)", p, c.AccountID())}
		case IsUnauthorized(err):
			return id, &VerifyError{Kind: ErrInvalidKey, Field: "access_key_id", Err: err,
				Msg: fmt.Sprintf("Kissflow refused the access key (401) for process %s: check the access key id and secret", p)}
		default:
			return id, err
		}
	}
	return id, nil
}
