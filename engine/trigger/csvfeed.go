package trigger

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// rows present when the integration is switched ON are marked seen. The
// cursor remembers each file's size and modification time, so unchanged
// files are not read again.
type csvFeed struct {
	path      string
	keyColumn string
	delimiter rune
}

type csvCursor struct {
	Files map[string]fileStamp `json:"files"`
}

type fileStamp struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime"`
}

func newCSV(c Config) *csvFeed {
	spec, _ := Lookup(CSV)
	delim := []rune(c.String(spec, "delimiter"))
	return &csvFeed{path: c.String(spec, "path"), keyColumn: c.String(spec, "key_column"), delimiter: delim[0]}
}

// files lists the CSV files to read with their stamps, by name.
func (f *csvFeed) files() (map[string]fileStamp, error) {
	info, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("CSV: %w; check the path in the trigger's settings", err)
	}
	out := map[string]fileStamp{}
	if !info.IsDir() {
		out[f.path] = fileStamp{Size: info.Size(), MTime: info.ModTime().UnixNano()}
		return out, nil
	}
	entries, err := os.ReadDir(f.path)
	if err != nil {
		return nil, fmt.Errorf("CSV: %w", err)
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
			return nil, fmt.Errorf("CSV: %w", err)
		}
		out[filepath.Join(f.path, e.Name())] = fileStamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	}
	return out, nil
}

func (f *csvFeed) Poll(ctx context.Context, cursor string, _ time.Time) (Batch, error) {
	var prev csvCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &prev); err != nil {
			return Batch{}, fmt.Errorf("CSV: stored cursor is damaged: %w", err)
		}
	}
	files, err := f.files()
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Baseline: cursor == ""}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return Batch{}, err
		}
		if old, ok := prev.Files[name]; ok && old == files[name] {
			continue
		}
		evs, probs, err := f.read(name)
		if err != nil {
			return Batch{}, err
		}
		b.Events = append(b.Events, evs...)
		b.Problems = append(b.Problems, probs...)
	}
	raw, _ := json.Marshal(csvCursor{Files: files})
	b.Cursor = string(raw)
	return b, nil
}

// read parses one file into row events.
func (f *csvFeed) read(name string) ([]Event, []string, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("CSV: %w", err)
	}
	defer file.Close()
	return parseCSV(file, filepath.Base(name), f.keyColumn, f.delimiter)
}

// parseCSV turns CSV text with a header row into row events.
func parseCSV(r io.Reader, fileName, keyColumn string, delimiter rune) ([]Event, []string, error) {
	cr := csv.NewReader(r)
	cr.Comma = delimiter
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("CSV %s: header: %w", fileName, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	keyIdx := -1
	if keyColumn != "" {
		keyIdx = slices.Index(header, keyColumn)
		if keyIdx < 0 {
			return nil, nil, fmt.Errorf("CSV %s: key column %q is not in the header (columns: %s)", fileName, keyColumn, strings.Join(header, ", "))
		}
	}
	var events []Event
	var problems []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return events, problems, nil
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				// A broken row (a stray quote, say): report it and keep reading.
				problems = append(problems, fmt.Sprintf("%s: %v", fileName, perr))
				continue
			}
			return nil, nil, fmt.Errorf("CSV %s: %w", fileName, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			problems = append(problems, fmt.Sprintf("%s line %d: %d fields, the header has %d", fileName, line, len(rec), len(header)))
			continue
		}
		row := make(map[string]any, len(header)+2)
		for i, col := range header {
			row[col] = rec[i]
		}
		var key string
		if keyIdx >= 0 {
			if strings.TrimSpace(rec[keyIdx]) == "" {
				problems = append(problems, fmt.Sprintf("%s line %d: the key column %q is empty", fileName, line, keyColumn))
				continue
			}
			key = "csv:" + strings.TrimSpace(rec[keyIdx])
		} else {
			key = contentKey("csv:", row)
		}
		row["_file"], row["_line"] = fileName, float64(line)
		events = append(events, Event{Data: row, DedupeKey: key})
	}
}

func (f *csvFeed) Sample(ctx context.Context) (Event, error) {
	files, err := f.files()
	if err != nil {
		return Event{}, err
	}
	var newest string
	for name, st := range files {
		if newest == "" || st.MTime > files[newest].MTime {
			newest = name
		}
	}
	if newest == "" {
		return Event{}, fmt.Errorf("CSV: no .csv file in %s yet", f.path)
	}
	evs, _, err := f.read(newest)
	if err != nil {
		return Event{}, err
	}
	if len(evs) == 0 {
		return Event{}, fmt.Errorf("CSV: %s has no data row yet", filepath.Base(newest))
	}
	return evs[len(evs)-1], nil
}
