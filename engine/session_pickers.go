package engine

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// What the app's pickers read: an org's groups by name, a feed's columns,
// a Kissflow process's fields, and a starter sample per trigger type. All
// are reads (a viewer may use them); none changes anything.

// MaxGroupChoices bounds what Groups returns: a picker narrows as the user
// types rather than listing a large org's every group.
const MaxGroupChoices = 50

// GroupChoice is one Okta group a picker offers.
type GroupChoice struct {
	ID, Name, Description string
}

// Groups lists at most MaxGroupChoices groups of an Okta account whose name
// starts with query (any case; every group when query is empty), by name.
func (e *Engine) Groups(ctx context.Context, account, query string) ([]GroupChoice, error) {
	client, _, err := e.clients.get(account)
	if err != nil {
		return nil, err
	}
	groups, err := client.GroupsByPrefix(ctx, strings.TrimSpace(query), MaxGroupChoices)
	if err != nil {
		return nil, err
	}
	out := make([]GroupChoice, len(groups))
	for i, g := range groups {
		out[i] = GroupChoice{ID: g.ID, Name: g.Name(), Description: g.Description()}
	}
	slices.SortStableFunc(out, func(a, b GroupChoice) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// CSVColumns returns the column names of a CSV feed (a file, or the newest
// .csv file of a folder) in the feeds folder: a relative path is taken in
// it, and a path outside it is refused as at save. delimiter and encoding
// are the trigger's settings ("" for the defaults: "," and UTF-8).
func (e *Engine) CSVColumns(path, delimiter, encoding string) ([]string, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("give the CSV file's path (in the feeds folder " + e.FeedsDir() + ")")
	}
	full, err := e.feedPath(strings.TrimSpace(path))
	if err != nil {
		return nil, err
	}
	values := map[string]any{"path": full}
	if delimiter != "" {
		values["delimiter"] = delimiter
	}
	if encoding != "" {
		values["encoding"] = encoding
	}
	return trigger.CSVHeader(trigger.Config{Values: values})
}

// KissflowFields lists what a kissflow.update_item step can map for a
// process of a Kissflow account: the item to write to, then the process's
// own form fields.
func (e *Engine) KissflowFields(ctx context.Context, account, processID string) ([]action.Field, error) {
	k, err := e.kissflowAction(account)
	if err != nil {
		return nil, err
	}
	fields, err := k.ProcessFields(ctx, strings.TrimSpace(processID))
	if err != nil {
		return nil, err
	}
	return action.ProcessFieldsAsFields(fields), nil
}

// Groups lists an Okta account's groups by name prefix (see Engine.Groups).
func (s *Session) Groups(ctx context.Context, account, query string) ([]GroupChoice, error) {
	return read(s, func() ([]GroupChoice, error) { return s.e.Groups(ctx, account, query) })
}

// CSVColumns returns a CSV feed's column names (see Engine.CSVColumns).
func (s *Session) CSVColumns(path, delimiter, encoding string) ([]string, error) {
	return read(s, func() ([]string, error) { return s.e.CSVColumns(path, delimiter, encoding) })
}

// KissflowFields lists a Kissflow process's fields as a write-back step
// maps them (see Engine.KissflowFields).
func (s *Session) KissflowFields(ctx context.Context, account, processID string) ([]action.Field, error) {
	return read(s, func() ([]action.Field, error) { return s.e.KissflowFields(ctx, account, processID) })
}

// StarterSample is an example event of a trigger, for mapping before any
// real event exists (see Engine.StarterSample); nil when the session may
// not read or the type has none.
func (s *Session) StarterSample(t storage.Trigger) map[string]any {
	if s.allow(OpRead) != nil {
		return nil
	}
	return s.e.StarterSample(t)
}
