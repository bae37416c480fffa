package trigger

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
)

// Event is one trigger event: the data a run's steps map from, and the key
// that makes a re-delivered or re-polled event a no-op.
type Event struct {
	Data      map[string]any
	DedupeKey string
}

// Batch is what one poll found.
type Batch struct {
	Events []Event
	// Cursor is where the next poll starts; the engine stores it in the same
	// transaction as Events.
	Cursor string
	// Baseline marks a first poll that only records what exists now: the
	// events' keys are remembered as seen and no run starts.
	Baseline bool
	// Problems are items that could not become events (a CSV row without its
	// key, an item without an id) and standing conditions of the source (a
	// CSV file skipped until it changes, a path that does not exist yet),
	// for the trigger's health, the metrics, the log and the UI.
	Problems []PollProblem
	// More says the poll stopped at its bounds (rows, bytes, pages or
	// lookups) with more ready to read: poll again soon rather than after
	// the whole interval. Nothing is lost either way; the cursor says where
	// to go on.
	More bool
}

// PollProblem is something a poll had to skip or wait for.
type PollProblem struct {
	// Reason sorts it for the metrics: ReasonBadRow, ReasonFileNotFound…
	Reason string
	// File and Line say where, for a CSV trigger (the file's name; Line 0:
	// the whole file).
	File string
	Line int
	// Msg says what, and what to do, in full (with the file and line).
	Msg string
	// Standing is a condition reported at every poll while it lasts (a
	// file skipped until it changes, a path that does not exist yet): shown
	// while it is reported, gone when it is not. Others are one-off items
	// (a row skipped).
	Standing bool
	// Again says an earlier poll reported it already: it is not counted or
	// logged again.
	Again bool
}

func (p PollProblem) String() string { return p.Msg }

// The reasons of problems.
const (
	ReasonBadRow       = "bad_row"        // a CSV row that cannot be read: broken quotes, wrong field count, no key
	ReasonLongRow      = "long_row"       // a CSV row beyond what one poll reads
	ReasonStuckRow     = "stuck_row"      // a CSV last row that cannot finish by itself (a quote never closed): the rows from it wait
	ReasonBadEncoding  = "bad_encoding"   // a CSV file that is not in the trigger's encoding
	ReasonBadHeader    = "bad_header"     // a CSV file whose header lacks the key column
	ReasonUnreadable   = "unreadable"     // a CSV file that cannot be opened or read
	ReasonRewritten    = "rewritten"      // a CSV file whose part read before changed: read again
	ReasonFileNotFound = "file_not_found" // a CSV path that does not exist (yet)
	ReasonSkippedItem  = "skipped_item"   // an API item without its id, cursor field…
	ReasonLimit        = "limit"          // a poll bound (pages, open items) left items unread
)

// problemf is a problem of an API item or bound.
func problemf(reason, format string, args ...any) PollProblem {
	return PollProblem{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// Poller finds new events of a pull trigger.
type Poller interface {
	// Poll returns the events after cursor. An empty cursor is the first
	// poll since the integration was switched ON at start.
	Poll(ctx context.Context, cursor string, start time.Time) (Batch, error)
	// Sample returns one recent event, moving nothing.
	Sample(ctx context.Context) (Event, error)
}

// Rewinder is a poller that can start over from a time in the past in a
// way its first poll cannot tell by itself (a CSV trigger: which rows of
// a file are new since then is not written anywhere, but the file's
// modification time is). Rewind returns the cursor to start from when the
// trigger is reset or switched ON with --from; a poller that is no
// Rewinder reads `start` in its first poll instead.
type Rewinder interface {
	Rewind(ctx context.Context, from time.Time) (cursor string, err error)
}

// Deps are what pollers need from outside.
type Deps struct {
	HTTP *http.Client // for kissflow and http_poll; nil means a client with a 30 s timeout
	// AllowPrivate lets http_poll reach loopback, link-local and private
	// addresses (the operator's --allow-private-addresses).
	AllowPrivate bool
	// OktaLogs builds a System Log source for an okta_event trigger's account.
	OktaLogs func(account string) (LogSource, error)
	// KissflowAccount returns the client of a Kissflow account (by id or
	// name), the one its write-back steps use, so that they share its pacer.
	KissflowAccount func(account string) (*kissflow.Client, error)
	// KissflowInline returns a client for a trigger that holds its own keys
	// (documents from before Kissflow accounts); nil: the trigger makes one.
	KissflowInline func(kissflow.Config) (*kissflow.Client, error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// NewPoller builds the poller of a pull trigger type.
func NewPoller(typ string, c Config, deps Deps) (Poller, error) {
	if err := Validate(typ, c); err != nil {
		return nil, err
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	switch typ {
	case Kissflow:
		return newKissflow(c, deps)
	case HTTPPoll:
		return newHTTPPoll(c, deps.HTTP, deps.AllowPrivate)
	case CSV:
		return newCSV(c)
	case OktaEvent:
		if deps.OktaLogs == nil {
			return nil, fmt.Errorf("okta_event trigger: no Okta connection available")
		}
		spec, _ := Lookup(OktaEvent)
		src, err := deps.OktaLogs(c.String(spec, "account"))
		if err != nil {
			return nil, err
		}
		return newOktaEvent(c, src), nil
	}
	return nil, fmt.Errorf("a %s trigger is not polled", typ)
}
