package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
)

// A Kissflow sandbox's items, for people trying a Kissflow trigger: listed,
// and completed by hand as a Kissflow user would (the engine's and the
// Session's ways to them).

// KissflowSandboxItem is an item of a Kissflow sandbox, for people.
type KissflowSandboxItem struct {
	Account     string // the sandbox account's name
	ProcessID   string
	ID          string
	Status      string
	Name, Email string
	Department  string
	OktaUserID  string
	CreatedAt   time.Time
	CompletedAt time.Time
}

func sandboxItem(account, process string, it kissflowtest.Item) KissflowSandboxItem {
	s := func(k string) string { v, _ := it.Values[k].(string); return v }
	return KissflowSandboxItem{Account: account, ProcessID: process, ID: it.ID, Status: it.Status,
		Name: strings.TrimSpace(s("First_Name") + " " + s("Last_Name")), Email: s("Email"), Department: s("Department"),
		OktaUserID: s("Okta_User_ID"), CreatedAt: it.CreatedAt, CompletedAt: it.CompletedAt}
}

// kissflowSandbox finds a running sandbox by account id or name; "" means
// the only one.
func (e *Engine) kissflowSandbox(account string) (*kfSandbox, error) {
	list := e.kissflow.sandboxes.list()
	if account == "" {
		switch len(list) {
		case 0:
			return nil, errors.New("there is no Kissflow sandbox: create one (oktaflow kissflow sandbox NAME)")
		case 1:
			return list[0], nil
		}
		names := make([]string, len(list))
		for i, sb := range list {
			names[i] = sb.name
		}
		return nil, fmt.Errorf("there are %d Kissflow sandboxes (%s): say which with --account", len(list), strings.Join(names, ", "))
	}
	a, err := e.store.Account(account)
	if err != nil {
		return nil, err
	}
	if !IsKissflowSandbox(a) {
		return nil, fmt.Errorf("account %q is not a Kissflow sandbox: its items are in Kissflow itself", a.Name)
	}
	sb := e.kissflow.sandboxes.get(a.ID)
	if sb == nil {
		return nil, fmt.Errorf("the Kissflow sandbox %q is not running (its engine has not started)", a.Name)
	}
	return sb, nil
}

// KissflowSandboxItems lists the items of a Kissflow sandbox ("" : the only
// one), process by process, oldest first.
func (e *Engine) KissflowSandboxItems(account string) ([]KissflowSandboxItem, error) {
	sb, err := e.kissflowSandbox(account)
	if err != nil {
		return nil, err
	}
	var out []KissflowSandboxItem
	for _, p := range sb.acct.Processes() {
		items, err := sb.acct.Items(p.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, sandboxItem(sb.name, p.ID, it))
		}
	}
	return out, nil
}

// CompleteKissflowItem completes an item of a Kissflow sandbox, as its last
// approver would in Kissflow: _status Completed, _completed_at now. The
// sandbox is saved at once.
func (e *Engine) CompleteKissflowItem(account, itemID string) (KissflowSandboxItem, error) {
	sb, err := e.kissflowSandbox(account)
	if err != nil {
		return KissflowSandboxItem{}, err
	}
	process, _, err := sb.acct.FindItem(itemID)
	if err != nil {
		return KissflowSandboxItem{}, fmt.Errorf("Kissflow sandbox %q has no item %q: list them with oktaflow kissflow items", sb.name, itemID)
	}
	it, err := sb.acct.Complete(process, itemID)
	if err != nil {
		return KissflowSandboxItem{}, err
	}
	if err := sb.save(); err != nil {
		return sandboxItem(sb.name, process, it), err
	}
	return sandboxItem(sb.name, process, it), nil
}

// Session seams: the role check and the audit entry go through the
// Session's one gate (change, read).

// KissflowSandboxItems lists a Kissflow sandbox's items.
func (s *Session) KissflowSandboxItems(account string) ([]KissflowSandboxItem, error) {
	return read(s, func() ([]KissflowSandboxItem, error) { return s.e.KissflowSandboxItems(account) })
}

// CompleteKissflowItem completes an item of a Kissflow sandbox: a change
// that starts runs, so it needs the right to run integrations.
func (s *Session) CompleteKissflowItem(account, itemID string) (KissflowSandboxItem, error) {
	return change(s, OpRunNow, func() (KissflowSandboxItem, *entry, error) {
		it, err := s.e.CompleteKissflowItem(account, itemID)
		if err != nil {
			return it, nil, err
		}
		return it, &entry{"kissflow.complete_item", it.ID, it.Account + " " + it.ProcessID + " " + it.Name}, nil
	})
}
