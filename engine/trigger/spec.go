package trigger

import (
	"slices"
	"time"
)

// Trigger types.
const (
	Webhook   = "webhook"
	Kissflow  = "kissflow"
	HTTPPoll  = "http_poll"
	OktaEvent = "okta_event"
	CSV       = "csv"
	Manual    = "manual"
)

// Spec describes a trigger type for forms, validation and docs.
type Spec struct {
	Type        string
	Title       string // "When a Kissflow item completes a workflow"
	Description string
	Push        bool // events arrive (webhook, manual) rather than being polled
	Fields      []Field
}

// Field is one setting of a trigger.
type Field struct {
	Key      string
	Label    string
	Help     string
	Kind     FieldKind
	Required bool
	Secret   bool          // stored sealed, masked on screen, never exported
	Default  string        // shown as a placeholder and used when empty
	Choices  []string      // KindChoice: the accepted values (case-insensitive)
	Min, Max int           // KindInt: bounds (Max 0: none); the minimum is at least 1
	MinEvery time.Duration // KindDuration: the shortest accepted duration
	Template bool          // KindURL: may hold {placeholders} filled in at run time

	// check is the setting's own rule beyond its kind (a filter compiles, a
	// delimiter is one character); see Field.Check.
	check func(string) error
}

// FieldKind tells a form how to edit and check a field.
type FieldKind int

// Field kinds.
const (
	KindText     FieldKind = iota
	KindURL                // an absolute http(s) URL
	KindPath               // a local file or folder
	KindList               // comma-separated values, stored as a list
	KindMap                // "Name: value" lines, stored as an object (HTTP headers)
	KindDuration           // a Go duration such as 30s or 5m
	KindInt                // a whole number within Min..Max
	KindBool               // true or false (yes/no, on/off)
	KindChoice             // one of Choices
)

// pollIntervalField is common to every pull trigger.
var pollIntervalField = Field{Key: "poll_interval", Label: "Poll every", Kind: KindDuration, Default: "30s", MinEvery: MinPollInterval,
	Help: "how often to look for new events (at least 5s)"}

var specs = []Spec{
	{
		Type: Webhook, Title: "When a webhook is called", Push: true,
		Description: "POST a JSON object (or an array of them) to /hooks/<integration id> with Authorization: Bearer <secret>. Okta event hooks and Kissflow HTTP steps can call it.",
		Fields: []Field{
			{Key: "secret", Label: "Secret", Secret: true, Help: "callers send it as Authorization: Bearer <secret>; generated when empty"},
		},
	},
	{
		Type: Kissflow, Title: "When a Kissflow item completes a workflow",
		Description: "Polls a Kissflow process (Process API v2) for items whose _status is Completed. Every item is found however large the process; a poll reads only the pages that can have changed, and the whole list is walked at a slower cadence.",
		Fields: []Field{
			{Key: "account", Label: "Kissflow account", Help: "a Kissflow account added under Accounts (shared with write-back steps); or fill in the keys below"},
			{Key: "process_id", Label: "Process ID", Required: true, Help: "the process's id, as in its URL (e.g. Employee_Onboarding_A00)"},
			{Key: "subdomain", Label: "Subdomain", Help: "acme for acme.kissflow.com, or the whole host (acme.kissflow.eu); not needed with an account"},
			{Key: "region", Label: "Region", Kind: KindChoice, Choices: []string{"com", "eu"}, Default: "com", Help: "com for kissflow.com, eu for kissflow.eu"},
			{Key: "account_id", Label: "Account ID", Help: "Kissflow's account id (Ac…); not needed with an account"},
			{Key: "access_key_id", Label: "Access key ID", Help: "not needed with an account"},
			{Key: "access_key_secret", Label: "Access key secret", Secret: true, Help: "not needed with an account"},
			{Key: "base_url", Label: "API base URL", Kind: KindURL, Template: true, Default: "https://{subdomain}.kissflow.{region}/process/2/{account_id}",
				Help: "change only if your account uses another Kissflow host"},
			{Key: "page_size", Label: "Page size", Kind: KindInt, Default: "50", Max: 1000},
			{Key: "full_walk_every", Label: "Walk every item every", Kind: KindDuration, Default: "15m", MinEvery: time.Minute,
				Help: "how often the whole list is read, in case the API reordered it (at least 1m)"},
			pollIntervalField,
		},
	},
	{
		Type: HTTPPoll, Title: "When a JSON API lists a new item",
		Description: "Polls any JSON API and fires for each item not seen before.",
		Fields: []Field{
			{Key: "url", Label: "URL", Kind: KindURL, Required: true, check: checkNoSecretQuery,
				Help: "put API keys under Secret query parameters, not in the URL"},
			{Key: "headers", Label: "Headers", Kind: KindMap, Secret: true, check: checkHeaderLines, Help: "one \"Name: value\" per line, stored sealed"},
			{Key: "authorization", Label: "Authorization header", Secret: true, Help: "sent as the Authorization header, stored sealed"},
			{Key: "secret_query", Label: "Secret query parameters", Kind: KindMap, Secret: true, check: checkMapLines,
				Help: "\"name: value\" lines added to the URL's query (api_key: …), stored sealed"},
			{Key: "items_path", Label: "Items path", Help: "where the list is in the answer, e.g. data.items; empty when the answer is the list"},
			{Key: "id_field", Label: "ID field", Required: true, Help: "the field that identifies an item, e.g. id"},
			{Key: "cursor_field", Label: "Cursor field", Help: "an increasing field (a timestamp or number) to fire only for newer items, e.g. updated_at"},
			{Key: "filter", Label: "Filter", check: checkFilter, Help: "an expression over item, e.g. item.status == \"approved\""},
			{Key: "next_path", Label: "Next page link path", Help: "where the next page's URL is in the answer, e.g. links.next (a Link: rel=\"next\" header is followed without it)"},
			{Key: "next_cursor_path", Label: "Next page cursor path", Help: "where the next page's cursor is in the answer, e.g. meta.next_cursor; sent back as the cursor parameter"},
			{Key: "cursor_param", Label: "Cursor parameter", Default: "cursor", Help: "the query parameter that carries the next page's cursor"},
			{Key: "max_pages", Label: "Max pages", Kind: KindInt, Default: "10", Max: 100, Help: "pages read at most per poll"},
			pollIntervalField,
		},
	},
	{
		Type: OktaEvent, Title: "When Okta logs an event",
		Description: "Polls the Okta System Log of an account for events of the chosen types.",
		Fields: []Field{
			{Key: "account", Label: "Okta account", Required: true},
			{Key: "event_types", Label: "Event types", Kind: KindList, Required: true, Default: "user.lifecycle.create",
				Help: "comma-separated, e.g. user.lifecycle.create, user.lifecycle.deactivate"},
			{Key: "filter", Label: "Extra filter", Help: "a System Log filter added with and, e.g. target.alternateId sw \"contractor\""},
			pollIntervalField,
		},
	},
	{
		Type: CSV, Title: "When a new row appears in a CSV file",
		Description: "Watches a CSV file, or the .csv files in a folder (an HR feed), and fires for each row not seen before.",
		Fields: []Field{
			{Key: "path", Label: "File or folder", Kind: KindPath, Required: true},
			{Key: "key_column", Label: "Key column", Help: "a column that identifies a row (employee id); empty: the whole row"},
			{Key: "delimiter", Label: "Delimiter", Default: ",", check: checkDelimiter},
			{Key: "encoding", Label: "Encoding", Default: "utf-8", check: checkEncoding,
				Help: "the files' character set: utf-8, or a single-byte one such as windows-1252 or iso-8859-15"},
			pollIntervalField,
		},
	},
	{
		Type: Manual, Title: "When I run it", Push: true,
		Description: "Runs with a JSON payload you give: Run now in the app, or oktaflow integration run ID --event FILE.",
	},
}

// Specs lists every trigger type.
func Specs() []Spec { return slices.Clone(specs) }

// Lookup returns the spec of a trigger type.
func Lookup(typ string) (Spec, bool) {
	for _, s := range specs {
		if s.Type == typ {
			return s, true
		}
	}
	return Spec{}, false
}

// Types lists the trigger type names.
func Types() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Type
	}
	return out
}

// LookupField returns the setting key of a trigger type.
func LookupField(typ, key string) (Field, bool) {
	spec, ok := Lookup(typ)
	if !ok {
		return Field{}, false
	}
	for _, f := range spec.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}
