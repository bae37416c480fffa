package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oktaflow/oktaflow/storage"
)

// Document is the portable form of an integration (one JSON document each):
// what import reads and export writes. Secrets are never exported; on
// import, secret settings given in trigger.config (a webhook secret, a
// Kissflow access key secret) are sealed.
type Document struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Trigger     DocTrigger     `json:"trigger"`
	Steps       []storage.Step `json:"steps"`
	Concurrency int            `json:"concurrency,omitempty"`
}

// DocTrigger is a document's trigger.
type DocTrigger struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config,omitempty"`
}

// ParseDocument decodes an integration document strictly: unknown keys are
// errors (a typo must not silently drop a setting).
func ParseDocument(data []byte) (Document, error) {
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Document{}, describeJSONError(data, err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return Document{}, errors.New("the file holds more than one JSON document; import one integration per file")
	}
	return doc, nil
}

// describeJSONError turns a decode error into a message with a line and column.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return fmt.Errorf("line %d, column %d: %s must be %s, not %s", line, col, typ.Field, typ.Type, typ.Value)
	case isUnknownField(err):
		return fmt.Errorf("%s; see the document format in README.md", strings.TrimPrefix(err.Error(), "json: "))
	case errors.Is(err, io.EOF):
		return errors.New("the file is empty; it must hold one integration document")
	}
	return err
}

// isUnknownField reports whether err is encoding/json's refusal of a field
// the document type does not have (DisallowUnknownFields). That error has no
// type or sentinel (encoding/json's decode.go makes it with
// fmt.Errorf("json: unknown field %q", key)), so its text is the only
// signal; this is the one place that reads it.
func isUnknownField(err error) bool {
	return strings.HasPrefix(err.Error(), "json: unknown field ")
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for _, b := range data[:min(int(offset), len(data))] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Integration turns a document into an integration to save.
func (d Document) Integration() storage.Integration {
	cfg := map[string]any{}
	for k, v := range d.Trigger.Config {
		cfg[k] = v
	}
	return storage.Integration{
		Name: d.Name, Description: d.Description, Concurrency: d.Concurrency,
		Trigger: storage.Trigger{Type: d.Trigger.Type, Config: cfg}, Steps: d.Steps,
	}
}

// DocumentOf exports an integration without its secrets.
func DocumentOf(in storage.Integration) Document {
	return Document{
		Name: in.Name, Description: in.Description, Concurrency: in.Concurrency,
		Trigger: DocTrigger{Type: in.Trigger.Type, Config: in.Trigger.Config}, Steps: in.Steps,
	}
}

// Import validates a document and stores it as a new integration, OFF.
// Every problem is reported at once, each with its JSON path.
func (e *Engine) Import(ctx context.Context, data []byte) (storage.Integration, error) {
	doc, err := ParseDocument(data)
	if err != nil {
		return storage.Integration{}, err
	}
	return e.SaveIntegration(ctx, doc.Integration())
}
