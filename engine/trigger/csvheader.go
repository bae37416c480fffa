package trigger

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// csvHeaderMaxBytes bounds what CSVHeader reads: a header line is short.
const csvHeaderMaxBytes = 1 << 20

// CSVHeader returns the column names of a CSV trigger's file (the newest
// .csv file when the path is a folder), read with the trigger's delimiter
// and encoding exactly as its polls read them: for a picker of the key
// column, say. The key column setting is not checked here (the picker is
// how to fix it). The caller checks the source policy first.
func CSVHeader(c Config) ([]string, error) {
	f, err := newCSV(c)
	if err != nil {
		return nil, err
	}
	f.keyColumn = ""
	name, _, err := f.newestFile()
	if err != nil {
		return nil, err
	}
	base := filepath.Base(name)
	file, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("CSV %s: %w", base, err)
	}
	defer file.Close()
	chunk := make([]byte, csvHeaderMaxBytes)
	got, err := io.ReadFull(file, chunk)
	eof := errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	if err != nil && !eof {
		return nil, fmt.Errorf("CSV %s: %w", base, err)
	}
	res := parseChunk(f.enc.decode(chunk[:got]), chunkParams{
		file: base, delimiter: f.delimiter, eof: eof, acceptTail: true,
		maxRows: 1, checkUTF8: f.enc.cm == nil, encoding: f.enc.name,
	})
	switch {
	case res.err != nil:
		return nil, res.err
	case res.header == nil && res.stuck != nil: // the header itself is not UTF-8
		return nil, errors.New(res.stuck.Msg)
	case res.header == nil && !eof:
		return nil, fmt.Errorf("CSV %s: the header line is longer than %d KiB", base, csvHeaderMaxBytes>>10)
	case res.header == nil:
		return nil, fmt.Errorf("CSV %s is empty: it needs a header line naming the columns", base)
	}
	return res.header, nil
}
