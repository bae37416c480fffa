package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// csvFeed watches a CSV file, or the .csv files of a folder, and fires once
// for each row not seen before. A row's dedupe key is its key column's value
// when one is set (so an employee listed again in tomorrow's export does not
// fire twice), else a hash of the whole row. The first poll is a baseline:
// rows present when the integration is switched ON are marked seen.
//
// The cursor remembers, per file, how far it was read (bytes and lines)
// and a hash of what was read. A poll reads only what was appended since;
// a file whose read part changed (rewritten, not appended) is read again
// from the start, and its rows that were seen before are dropped by their
// dedupe keys. So a file of any size fires each row once, whatever the
// dedupe window. A last line without its line break waits until it has one,
// or until the file stayed the same for a whole poll interval; a line read
// that way whose writer had only paused is read again once finished, as a
// row marked _completed (see parseChunk). Text must be
// UTF-8 unless the trigger names another encoding. In a folder, a file that
// cannot be read is reported and skipped while the others flow.
type csvFeed struct {
	path      string
	keyColumn string
	delimiter rune
	enc       textDecoding
}

// Bounds of one poll; the rest is read at the next (Batch.More).
var (
	csvMaxRowsPerPoll  = 5000
	csvMaxBytesPerPoll = 16 << 20
)

type csvCursor struct {
	Files map[string]*fileCursor `json:"files"`
	// Baseline is set while the first poll's baseline is still being read
	// (it was cut by the per-poll bounds).
	Baseline bool `json:"baseline,omitempty"`
	// From (Unix ns), with Baseline: the trigger was rewound to that time
	// (Rewind): files modified at or after it are left out of the baseline,
	// so that the polls after it read them from their start.
	From int64 `json:"from,omitempty"`
	// Absent is set while the path has not existed since the trigger was
	// switched ON: the baseline is then empty, and every row of the file
	// (or of each file of the folder) fires once it appears.
	Absent bool `json:"absent,omitempty"`
}

// fileCursor is one file's stamp and read position. Cursors written before
// read positions existed hold only the stamp (V 0): such a file is read
// from the start when it changes.
type fileCursor struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime"`

	V      int      `json:"v,omitempty"`      // 2: the fields below are set
	Offset int64    `json:"offset,omitempty"` // bytes read: the header and complete rows
	Line   int      `json:"line,omitempty"`   // lines read
	Hash   string   `json:"hash,omitempty"`   // of the bytes read, see prefixHash
	Header []string `json:"header,omitempty"`
	// Tail is set when an unfinished last line waits: read it at the next
	// poll if the file has not changed by then.
	Tail bool `json:"tail,omitempty"`
	// Stuck is the standing warning of a waiting line that cannot finish by
	// itself (a quote never closed), at StuckLine: reported at every poll
	// while it lasts (Again after the first), also when a poll's bounds do
	// not reach the file.
	Stuck       string `json:"stuck,omitempty"`
	StuckLine   int    `json:"stuckLine,omitempty"`
	StuckReason string `json:"stuckReason,omitempty"` // ReasonStuckRow, ReasonBadEncoding ("": stuck_row)
	// Pending is set when the poll's bounds stopped before the file's end.
	Pending bool `json:"pending,omitempty"`
	// TailRead is the last line that was read without its line break (the
	// file stood still over two polls): when the file grows, that line is
	// read again from its start, since the writer may only have paused.
	TailRead *tailRead `json:"tailRead,omitempty"`
	// Problem is why the file is skipped (in a folder), until it changes,
	// with its reason (a PollProblem's) and line (0: the whole file).
	Problem       string `json:"problem,omitempty"`
	ProblemReason string `json:"problemReason,omitempty"`
	ProblemLine   int    `json:"problemLine,omitempty"`
}

// tailRead is a last line read without its line break: where it starts,
// a hash of its text as it was read, and whether it was the header.
type tailRead struct {
	Start  int64  `json:"start"`
	Hash   string `json:"hash"`
	Header bool   `json:"header,omitempty"`
}

// stuckProblem is the standing problem of a file that waits at a line it
// cannot read on from (Stuck), reported again (ok false: none).
func (fc *fileCursor) stuckProblem(name string) (PollProblem, bool) {
	if fc == nil || fc.Stuck == "" {
		return PollProblem{}, false
	}
	reason := fc.StuckReason
	if reason == "" {
		reason = ReasonStuckRow
	}
	return PollProblem{Reason: reason, File: filepath.Base(name), Line: fc.StuckLine, Msg: fc.Stuck, Standing: true, Again: true}, true
}

// skipped is the standing problem of a file skipped until it changes.
func (fc *fileCursor) skipped(name string, again bool) PollProblem {
	reason := fc.ProblemReason
	if reason == "" {
		reason = ReasonUnreadable // a cursor from before reasons were kept
	}
	return PollProblem{Reason: reason, File: filepath.Base(name), Line: fc.ProblemLine, Msg: fc.Problem, Standing: true, Again: again}
}

// fileError is why a file cannot be read, with its problem reason and the
// line at fault (0: the whole file).
type fileError struct {
	reason string
	line   int
	err    error
}

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// fileErrorf is a fileError with its message.
func fileErrorf(reason string, line int, format string, args ...any) error {
	return &fileError{reason: reason, line: line, err: fmt.Errorf(format, args...)}
}

func (fc *fileCursor) sameStamp(st fileStamp) bool {
	return fc != nil && fc.Size == st.Size && fc.MTime == st.MTime
}

type fileStamp struct {
	Size  int64
	MTime int64
}

func newCSV(c Config) (*csvFeed, error) {
	spec, _ := Lookup(CSV)
	delim := []rune(c.String(spec, "delimiter"))
	enc, err := lookupEncoding(c.String(spec, "encoding"))
	if err != nil {
		return nil, err
	}
	return &csvFeed{path: c.String(spec, "path"), keyColumn: c.String(spec, "key_column"), delimiter: delim[0], enc: enc}, nil
}

// files lists the CSV files to read with their stamps, by name, and
// whether the path is a folder.
func (f *csvFeed) files() (map[string]fileStamp, bool, error) {
	info, err := os.Stat(f.path)
	if err != nil {
		return nil, false, fmt.Errorf("CSV: %w; check the path in the trigger's settings", err)
	}
	out := map[string]fileStamp{}
	if !info.IsDir() {
		out[f.path] = fileStamp{Size: info.Size(), MTime: info.ModTime().UnixNano()}
		return out, false, nil
	}
	entries, err := os.ReadDir(f.path)
	if err != nil {
		return nil, true, fmt.Errorf("CSV: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed while listing
		}
		if err != nil {
			return nil, true, fmt.Errorf("CSV: %w", err)
		}
		out[filepath.Join(f.path, e.Name())] = fileStamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	}
	return out, true, nil
}

func (f *csvFeed) Poll(ctx context.Context, cursor string, _ time.Time) (Batch, error) {
	var prev csvCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &prev); err != nil {
			return Batch{}, fmt.Errorf("CSV: stored cursor is damaged: %w", err)
		}
	}
	files, folder, err := f.files()
	switch {
	case errors.Is(err, fs.ErrNotExist) && (cursor == "" || prev.Absent):
		// Switched ON before the file (or folder) exists: an empty baseline,
		// so that all it holds fires when it appears.
		raw, _ := json.Marshal(csvCursor{Files: map[string]*fileCursor{}, Absent: true})
		return Batch{Baseline: cursor == "", Cursor: string(raw), Problems: []PollProblem{{
			Reason: ReasonFileNotFound, File: filepath.Base(f.path), Standing: true, Again: cursor != "",
			Msg: fmt.Sprintf("CSV %s does not exist yet: every row it holds will fire once it appears; if the path is wrong, fix it in the trigger's settings", f.path),
		}}}, nil
	case err != nil:
		return Batch{}, err
	}
	b := Batch{Baseline: cursor == "" || prev.Baseline}
	next := csvCursor{Files: map[string]*fileCursor{}}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	budget := readBudget{rows: csvMaxRowsPerPoll, bytes: csvMaxBytesPerPoll}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return Batch{}, err
		}
		st, old := files[name], prev.Files[name]
		if b.Baseline && prev.From != 0 && st.MTime >= prev.From && old == nil {
			b.More = true // modified since the rewind: read after the baseline, from its start
			continue
		}
		if old.sameStamp(st) && !old.Tail && !old.Pending {
			next.Files[name] = old // unchanged since it was read (or found bad)
			if old.Problem != "" {
				b.Problems = append(b.Problems, old.skipped(name, true))
			}
			if p, ok := old.stuckProblem(name); ok {
				b.Problems = append(b.Problems, p)
			}
			continue
		}
		if budget.spent() {
			if old != nil {
				next.Files[name] = old
				if p, ok := old.stuckProblem(name); ok { // still stuck, as far as anyone knows: it stays shown
					b.Problems = append(b.Problems, p)
				}
			}
			b.More = true
			continue
		}
		res, err := f.read(name, st, old, old.sameStamp(st) && old.Tail, &budget)
		if err != nil {
			if !folder {
				return Batch{}, err
			}
			// Skip this file, keeping how far it was read, until it changes.
			bad := &fileCursor{Size: st.Size, MTime: st.MTime, Problem: err.Error() + "; the file is skipped until it changes", ProblemReason: ReasonUnreadable}
			var fe *fileError
			if errors.As(err, &fe) {
				bad.ProblemReason, bad.ProblemLine = fe.reason, fe.line
			}
			if old != nil && old.V == 2 {
				bad.V, bad.Offset, bad.Line, bad.Hash, bad.Header = 2, old.Offset, old.Line, old.Hash, old.Header
			}
			next.Files[name] = bad
			b.Problems = append(b.Problems, bad.skipped(name, false))
			continue
		}
		next.Files[name] = res.cursor
		b.Events = append(b.Events, res.events...)
		b.Problems = append(b.Problems, res.problems...)
		b.More = b.More || res.more
	}
	next.Baseline = b.Baseline && b.More && !rewoundBaselineDone(prev, files, next)
	if next.Baseline {
		next.From = prev.From
	}
	raw, _ := json.Marshal(next)
	b.Cursor = string(raw)
	return b, nil
}

// rewoundBaselineDone reports whether a rewound baseline has read every file it
// takes in (those modified before its time), so that the files it left out
// are read at the next poll, as new.
func rewoundBaselineDone(prev csvCursor, files map[string]fileStamp, next csvCursor) bool {
	if prev.From == 0 {
		return false
	}
	for name, st := range files {
		if st.MTime >= prev.From {
			continue
		}
		if fc := next.Files[name]; fc == nil || fc.Pending {
			return false
		}
	}
	return true
}

// Rewind starts the trigger over from a time: the files modified before it
// are a baseline (their rows are taken as seen), those modified at or
// after it are read from their start, like files that are new (their rows
// fire, unless seen before).
func (f *csvFeed) Rewind(_ context.Context, from time.Time) (string, error) {
	raw, err := json.Marshal(csvCursor{Files: map[string]*fileCursor{}, Baseline: true, From: from.UnixNano()})
	return string(raw), err
}

func (f *csvFeed) Sample(ctx context.Context) (Event, error) {
	newest, st, err := f.newestFile()
	if err != nil {
		return Event{}, err
	}
	budget := readBudget{rows: 1 << 30, bytes: csvMaxBytesPerPoll}
	res, err := f.read(newest, st, nil, true, &budget)
	if err != nil {
		return Event{}, err
	}
	if len(res.events) == 0 {
		return Event{}, fmt.Errorf("CSV: %s has no data row yet", filepath.Base(newest))
	}
	return res.events[len(res.events)-1], nil
}

// newestFile is the file a sample or a header comes from: the path itself,
// or the newest .csv file of the folder.
func (f *csvFeed) newestFile() (string, fileStamp, error) {
	files, _, err := f.files()
	if err != nil {
		return "", fileStamp{}, err
	}
	var newest string
	for name, st := range files {
		if newest == "" || st.MTime > files[newest].MTime {
			newest = name
		}
	}
	if newest == "" {
		return "", fileStamp{}, fmt.Errorf("CSV: no .csv file in %s yet", f.path)
	}
	return newest, files[newest], nil
}
