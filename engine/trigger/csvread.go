package trigger

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// readBudget is what is left of one poll's bounds.
type readBudget struct{ rows, bytes int }

func (b *readBudget) spent() bool { return b.rows <= 0 || b.bytes <= 0 }

type readResult struct {
	cursor   *fileCursor
	events   []Event
	problems []PollProblem
	more     bool // stopped by the poll's bounds: read on at the next poll
}

// read reads one file from where its cursor left off (from the start when
// it has none, it was written by an older version, or what was read
// changed). stable says the file has not changed since a poll that found
// an unfinished last line: that line is then read as it is.
func (f *csvFeed) read(name string, st fileStamp, old *fileCursor, stable bool, budget *readBudget) (readResult, error) {
	base := filepath.Base(name)
	file, err := os.Open(name)
	if err != nil {
		return readResult{}, fileErrorf(ReasonUnreadable, 0, "CSV %s: %w", base, err)
	}
	defer file.Close()
	var res readResult
	var start int64
	var line int
	var header []string
	var fired string // the hash of a line read without its line break, read again from start
	if old != nil && old.V == 2 {
		h, err := prefixHash(file, old.Offset)
		switch {
		case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
			return readResult{}, fileErrorf(ReasonUnreadable, 0, "CSV %s: %w", base, err)
		case err == nil && h == old.Hash:
			start, line, header = old.Offset, old.Line, old.Header
			if t := old.TailRead; t != nil && st.Size > old.Offset {
				// The file grew after its last line was read without a line
				// break: read that line again, it may have gone on.
				start, fired = t.Start, t.Hash
				if t.Header {
					header, fired = nil, ""
				}
			}
		default:
			res.problems = append(res.problems, PollProblem{Reason: ReasonRewritten, File: base,
				Msg: fmt.Sprintf("%s was rewritten (the part read before changed); reading it again from the start, and rows seen before do not fire again", base)})
		}
	}
	n := min(st.Size-start, int64(budget.bytes))
	chunk := make([]byte, max(n, 0))
	got, err := file.ReadAt(chunk, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return readResult{}, fileErrorf(ReasonUnreadable, 0, "CSV %s: %w", base, err)
	}
	chunk = chunk[:got]
	text := f.enc.decode(chunk)
	pr := parseChunk(text, chunkParams{
		file: base, keyColumn: f.keyColumn, delimiter: f.delimiter, header: header, line: line,
		eof: start+int64(got) >= st.Size, acceptTail: stable && old != nil && old.Tail,
		maxRows: budget.rows, checkUTF8: f.enc.cm == nil, encoding: f.enc.name, firedTail: fired,
		stuckBefore: old != nil && old.Stuck != "",
	})
	if pr.err != nil {
		return readResult{}, pr.err
	}
	var tail *tailRead
	switch {
	case pr.tailRead:
		tail = &tailRead{Start: start + int64(f.enc.rawOffset(text, pr.tailStart)), Hash: pr.tailHash, Header: pr.tailHeader}
	case fired != "" && !pr.firedDone:
		tail = old.TailRead // the line read before is not finished yet
	}
	consumed := int64(f.enc.rawOffset(text, pr.consumed))
	if pr.more && consumed == 0 && int64(got) == int64(budget.bytes) {
		res.problems = append(res.problems, PollProblem{Reason: ReasonLongRow, File: base, Line: line + 1,
			Msg: fmt.Sprintf("%s line %d: a row longer than %d MiB cannot be read; split it or fix the file", base, line+1, csvMaxBytesPerPoll>>20)})
	}
	offset := start + consumed
	hash, err := prefixHash(file, offset)
	if err != nil {
		return readResult{}, fileErrorf(ReasonUnreadable, 0, "CSV %s: %w", base, err)
	}
	budget.rows -= len(pr.events)
	budget.bytes -= int(consumed)
	res.cursor = &fileCursor{
		Size: st.Size, MTime: st.MTime, V: 2, Offset: offset, Line: line + pr.lines, Hash: hash,
		Header: pr.header, Tail: pr.tail, Pending: pr.more, TailRead: tail,
	}
	if pr.stuck != nil {
		res.cursor.Stuck, res.cursor.StuckLine, res.cursor.StuckReason = pr.stuck.Msg, pr.stuck.Line, pr.stuck.Reason
	}
	res.events, res.more = pr.events, pr.more
	res.problems = append(res.problems, pr.problems...)
	return res, nil
}

// Files whose read part is at most this long are hashed whole; beyond it,
// their first and last MiB and the length, so a poll of a huge file that
// grows does not re-read all of it. (A rewrite that keeps both ends and the
// length the same is then not noticed.)
const (
	fullHashLimit = 64 << 20
	hashSample    = 1 << 20
)

// prefixHash hashes the first n bytes of a file; io.ErrUnexpectedEOF when
// the file is shorter.
func prefixHash(r io.ReaderAt, n int64) (string, error) {
	h := sha256.New()
	copyN := func(off, size int64) error {
		got, err := io.Copy(h, io.NewSectionReader(r, off, size))
		if err == nil && got < size {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	var err error
	if n <= fullHashLimit {
		err = copyN(0, n)
	} else {
		fmt.Fprintf(h, "%d:", n)
		if err = copyN(0, hashSample); err == nil {
			err = copyN(n-hashSample, hashSample)
		}
	}
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

type chunkParams struct {
	file       string
	keyColumn  string
	delimiter  rune
	header     []string // nil: the first record is the header
	line       int      // lines before the chunk
	eof        bool     // the chunk ends where the file ends
	acceptTail bool     // an unfinished last line is read as it is
	maxRows    int
	checkUTF8  bool
	encoding   string
	// stuckBefore: the last poll found the waiting line stuck already.
	stuckBefore bool
	// firedTail is the hash of the first line's text as it was read
	// before without its line break ("": none): the text starts with it.
	firedTail string
}

type chunkResult struct {
	events   []Event
	problems []PollProblem
	header   []string
	consumed int          // bytes of text read: up to the end of the last complete row
	lines    int          // line breaks in them
	tail     bool         // an unfinished last line waits
	stuck    *PollProblem // and it is stuck: the standing warning that says so
	more     bool         // stopped by maxRows or by the end of the chunk
	err      error
	// tailRead: an unfinished last line was read as it is (acceptTail),
	// starting at tailStart, its text hashing to tailHash; tailHeader: it
	// was the header.
	tailRead   bool
	tailStart  int
	tailHash   string
	tailHeader bool
	// firedDone: the line of firedTail was read to its end this time.
	firedDone bool
}

// parseChunk turns CSV text into row events, stopping before an unfinished
// last line (no line break yet, or a quoted field still open).
func parseChunk(text []byte, p chunkParams) chunkResult {
	res := chunkResult{header: p.header}
	skip := 0
	if p.header == nil && bytes.HasPrefix(text, []byte("\ufeff")) {
		skip = len("\ufeff")
	}
	res.consumed = skip
	cr := csv.NewReader(bytes.NewReader(text[skip:]))
	cr.Comma = p.delimiter
	cr.FieldsPerRecord = -1
	endsWithNewline := len(text) > 0 && text[len(text)-1] == '\n'
	keyIdx := -1
	if p.header != nil && p.keyColumn != "" {
		keyIdx = slices.Index(p.header, p.keyColumn)
	}
	rows := 0
	recStart := skip
	for {
		rec, err := cr.Read()
		end := skip + int(cr.InputOffset())
		if err == io.EOF {
			break
		}
		begin := recStart
		recStart = end
		first := begin == skip
		unfinished := end >= len(text) && !endsWithNewline
		var perr *csv.ParseError
		if err != nil && errors.As(err, &perr) && errors.Is(err, csv.ErrQuote) && end >= len(text) {
			unfinished = true // a quoted field still open at the end
		}
		// A last line that is clearly not finished (a quote still open,
		// fewer fields than the header) waits, however long the file stands
		// still: its writer has only paused.
		short := errors.Is(err, csv.ErrQuote) || (err == nil && res.header != nil && len(rec) < len(res.header))
		if unfinished && (!(p.eof && p.acceptTail) || short) {
			if p.eof {
				res.tail = true
				openQuote := errors.Is(err, csv.ErrQuote)
				// Stuck: the file stood still over two polls, or a quote left
				// open has swallowed more lines than a field plausibly holds
				// (a file that keeps growing never stands still).
				if p.acceptTail || (openQuote && bytes.Count(text[begin:], []byte("\n")) > maxOpenQuoteLines) {
					pr := stuckRow(p, text, begin, rec, openQuote)
					res.stuck = &pr
					res.problems = append(res.problems, pr)
				}
			} else {
				res.more = true
			}
			break
		}
		lineText := bytes.TrimRight(text[begin:end], "\r\n")
		if unfinished {
			res.tailRead, res.tailStart, res.tailHash, res.tailHeader = true, begin, lineHash(lineText), res.header == nil
		}
		completes := false // the line read before without its line break, gone on since
		if first && p.firedTail != "" {
			res.firedDone = !unfinished
			if lineHash(lineText) == p.firedTail {
				res.consumed = end // as it was read: only its line break is new
				continue
			}
			completes = true
		}
		if err != nil {
			if perr == nil {
				res.err = fileErrorf(ReasonUnreadable, 0, "CSV %s: %w", p.file, err)
				return res
			}
			// A broken row (a stray quote, say): report it and read on.
			res.problems = append(res.problems, PollProblem{Reason: ReasonBadRow, File: p.file, Line: p.line + perr.StartLine,
				Msg: fmt.Sprintf("%s line %d: %v; the row is skipped", p.file, p.line+perr.StartLine, perr.Err)})
			res.consumed = end
			continue
		}
		recLine, _ := cr.FieldPos(0)
		recLine += p.line
		if p.checkUTF8 && !validUTF8(rec) {
			// Never mangled, and never holding back the rows before it:
			// the file waits at this line (consumed stays before it) with
			// a standing warning, until the line is fixed.
			pr := PollProblem{Reason: ReasonBadEncoding, File: p.file, Line: recLine, Standing: true, Again: p.stuckBefore,
				Msg: fmt.Sprintf("CSV %s line %d is not valid UTF-8; if the file is exported in another character set, set the trigger's encoding (e.g. windows-1252); the rows from line %d on wait until it is fixed",
					p.file, recLine, recLine)}
			res.stuck = &pr
			res.problems = append(res.problems, pr)
			break
		}
		if res.header == nil {
			header := slices.Clone(rec)
			for i := range header {
				header[i] = strings.TrimSpace(header[i])
			}
			if p.keyColumn != "" {
				if keyIdx = slices.Index(header, p.keyColumn); keyIdx < 0 {
					res.err = fileErrorf(ReasonBadHeader, recLine, "CSV %s: key column %q is not in the header (columns: %s)", p.file, p.keyColumn, strings.Join(header, ", "))
					return res
				}
			}
			res.header, res.consumed = header, end
			continue
		}
		res.consumed = end
		if ev, problem := rowEvent(res.header, rec, keyIdx, p, recLine); problem != "" {
			res.problems = append(res.problems, PollProblem{Reason: ReasonBadRow, File: p.file, Line: recLine, Msg: problem + "; the row is skipped"})
		} else {
			if completes {
				// Its first part fired as a row: this is the row it became,
				// under a key of its own (the key column's value is likely
				// the same, and the dedupe would drop it).
				ev.Data["_completed"] = true
				if keyIdx >= 0 {
					ev.DedupeKey += "#completed:" + lineHash(lineText)
				}
			}
			res.events = append(res.events, ev)
		}
		rows++
		if rows >= p.maxRows {
			res.more = end < len(text) || !p.eof
			break
		}
	}
	res.lines = bytes.Count(text[:res.consumed], []byte("\n"))
	return res
}

// maxOpenQuoteLines: a quoted field open over more lines than this, at
// the end of the file, is taken as a quote never closed (stuck) even while
// the file grows.
const maxOpenQuoteLines = 100

// stuckRow is the standing warning for a last row that cannot finish on
// its own while the file stands still: a quote opened at begin and never
// closed (openQuote), or fewer fields than the header and no line break. It
// is not read as it is: a paused writer's row would be misread, and a
// quote left open would swallow the rows after it.
func stuckRow(p chunkParams, text []byte, begin int, rec []string, openQuote bool) PollProblem {
	line := p.line + bytes.Count(text[:begin], []byte("\n")) + 1
	var msg string
	if openQuote {
		after := bytes.Count(text[begin:], []byte("\n"))
		msg = fmt.Sprintf("%s line %d: a quoted field opens here and is not closed by the end of the file; this row", p.file, line)
		switch {
		case after == 2:
			msg += " and the line after it wait"
		case after > 2:
			msg += fmt.Sprintf(" and the %d lines after it wait", after-1)
		default:
			msg += " waits"
		}
		msg += " for its closing quote: fix the quote in the file, and they fire"
	} else {
		msg = fmt.Sprintf("%s line %d: %s, the header has %d, and no line break: the row waits for the rest; finish or fix the line in the file, and it fires",
			p.file, line, fieldCount(len(rec)), len(p.header))
	}
	return PollProblem{Reason: ReasonStuckRow, File: p.file, Line: line, Msg: msg, Standing: true, Again: p.stuckBefore}
}

func validUTF8(rec []string) bool {
	for _, v := range rec {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// fieldCount is "1 field", "3 fields".
func fieldCount(n int) string {
	if n == 1 {
		return "1 field"
	}
	return fmt.Sprintf("%d fields", n)
}

// lineHash is a short hash of one line's text.
func lineHash(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:8])
}

func rowEvent(header, rec []string, keyIdx int, p chunkParams, line int) (Event, string) {
	if len(rec) != len(header) {
		return Event{}, fmt.Sprintf("%s line %d: %s, the header has %d", p.file, line, fieldCount(len(rec)), len(header))
	}
	row := make(map[string]any, len(header)+2)
	for i, col := range header {
		row[col] = rec[i]
	}
	var key string
	if keyIdx >= 0 {
		if strings.TrimSpace(rec[keyIdx]) == "" {
			return Event{}, fmt.Sprintf("%s line %d: the key column %q is empty", p.file, line, p.keyColumn)
		}
		key = "csv:" + strings.TrimSpace(rec[keyIdx])
	} else {
		key = contentKey("csv:", row)
	}
	row["_file"], row["_line"] = p.file, float64(line)
	return Event{Data: row, DedupeKey: key}, ""
}

// parseCSV turns a whole CSV text with a header row into row events.
func parseCSV(r io.Reader, fileName, keyColumn string, delimiter rune) ([]Event, []PollProblem, error) {
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	res := parseChunk(text, chunkParams{file: fileName, keyColumn: keyColumn, delimiter: delimiter, eof: true, acceptTail: true, maxRows: 1 << 30, checkUTF8: true})
	return res.events, res.problems, res.err
}
