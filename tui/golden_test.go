package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// updating reports -update (the flag belongs to teatest's golden package).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// volatile are the parts of a frame that change from run to run. Each is
// masked keeping its width (digits become #, ids X), so that the columns
// after it, and the style spans of the golden, do not move.
var volatile = []*regexp.Regexp{
	regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`),
	regexp.MustCompile(`int_[a-z0-9]{12}`),
	regexp.MustCompile(`127\.0\.0\.1:\d+`),
	regexp.MustCompile(`(<|\b)\d+[smhd] ago`),
	regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`),
	regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`),
	regexp.MustCompile(`\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d?( \d{4})?\b`),
	regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s)\b`),
	regexp.MustCompile(`\b00[ug][A-Za-z0-9]{17}\b`),
	regexp.MustCompile(`••••••••[A-Za-z0-9_-]{4}`),
	regexp.MustCompile(`\(in [0-9hms.<]+\)`),
}

var digitRe = regexp.MustCompile(`\d`)
var durationRe = regexp.MustCompile(`^\d+(\.\d+)?(ms|µs|s)$`)

// escRe finds the escape sequences of a frame.
var escRe = regexp.MustCompile(`\x1b\[[0-9;:?]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)`)

// mask hides the volatile parts of a frame, in its text only (the digits
// of a colour's escape sequence stay as they are).
func mask(frame string) string {
	var b strings.Builder
	last := 0
	for _, loc := range escRe.FindAllStringIndex(frame, -1) {
		b.WriteString(maskText(frame[last:loc[0]]))
		b.WriteString(frame[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(maskText(frame[last:]))
	return b.String()
}

func maskText(text string) string {
	for _, re := range volatile {
		text = re.ReplaceAllStringFunc(text, func(s string) string {
			if strings.HasPrefix(s, "int_") || strings.HasPrefix(s, "00u") || strings.HasPrefix(s, "00g") || strings.HasPrefix(s, "••") { // ids, not a time after midnight
				head := s[:4]
				if strings.HasPrefix(s, "••") {
					head = "••••••••"
				}
				return head + strings.Repeat("X", ansi.StringWidth(s)-ansi.StringWidth(head))
			}
			if durationRe.MatchString(s) { // 3ms or 1.2s: the unit varies too
				return "~dur"
			}
			if strings.HasPrefix(s, "(in ") {
				return "(in ~)"
			}
			return digitRe.ReplaceAllString(s, "#")
		})
	}
	return text
}

// screenText is what the app shows, without colours, volatile parts masked.
func screenText(a *App) string {
	return plainLines(mask(a.render()))
}

func plainLines(frame string) string {
	lines := strings.Split(ansi.Strip(frame), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// styledGolden is a frame as its golden file holds it: the text as a
// person reads it, then, per line, the cells each style covers ("3: 0-8
// bold fg=#A594FF"), so that a theme change shows as a readable diff.
func styledGolden(frame string) string {
	frame = mask(frame)
	var spans strings.Builder
	for i, line := range strings.Split(frame, "\n") {
		if s := lineStyles(line); s != "" {
			fmt.Fprintf(&spans, "%d: %s\n", i+1, s)
		}
	}
	return plainLines(frame) + "-- styles --\n" + spans.String()
}

// sgr is the text style in force while a line is read.
type sgr struct {
	flags  [6]bool // bold, faint, italic, underline, reverse, strike
	fg, bg string
}

var sgrFlagNames = [6]string{"bold", "faint", "italic", "underline", "reverse", "strike"}

func (s sgr) String() string {
	var parts []string
	for i, on := range s.flags {
		if on {
			parts = append(parts, sgrFlagNames[i])
		}
	}
	if s.fg != "" {
		parts = append(parts, "fg="+s.fg)
	}
	if s.bg != "" {
		parts = append(parts, "bg="+s.bg)
	}
	return strings.Join(parts, ",")
}

// apply reads one SGR parameter list.
func (s *sgr) apply(params string) {
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		if base, _, ok := strings.Cut(p, ":"); ok { // 4:3 (curly underline) and the like
			p = base
		}
		color := func() string {
			if i+1 < len(ps) && ps[i+1] == "5" && i+2 < len(ps) {
				i += 2
				return "@" + ps[i]
			}
			if i+1 < len(ps) && ps[i+1] == "2" && i+4 < len(ps) {
				var r, g, b int
				fmt.Sscan(ps[i+2], &r)
				fmt.Sscan(ps[i+3], &g)
				fmt.Sscan(ps[i+4], &b)
				i += 4
				return fmt.Sprintf("#%02X%02X%02X", r, g, b)
			}
			return "?"
		}
		switch p {
		case "", "0":
			*s = sgr{}
		case "1":
			s.flags[0] = true
		case "2":
			s.flags[1] = true
		case "3":
			s.flags[2] = true
		case "4":
			s.flags[3] = true
		case "7":
			s.flags[4] = true
		case "9":
			s.flags[5] = true
		case "22":
			s.flags[0], s.flags[1] = false, false
		case "23":
			s.flags[2] = false
		case "24":
			s.flags[3] = false
		case "27":
			s.flags[4] = false
		case "29":
			s.flags[5] = false
		case "38":
			s.fg = color()
		case "39":
			s.fg = ""
		case "48":
			s.bg = color()
		case "49":
			s.bg = ""
		default:
			var n int
			if _, err := fmt.Sscan(p, &n); err == nil {
				switch {
				case n >= 30 && n <= 37, n >= 90 && n <= 97:
					s.fg = "ansi" + p
				case n >= 40 && n <= 47, n >= 100 && n <= 107:
					s.bg = "ansi" + p
				}
			}
		}
	}
}

var csiRe = regexp.MustCompile(`^\x1b\[([0-9;:?]*)([@-~])`)
var oscRe = regexp.MustCompile(`^\x1b\][^\x07\x1b]*(\x07|\x1b\\)`)

// lineStyles lists the styled cell ranges of one line: "0-8 bold; 10-22 fg=#9A9AA6".
func lineStyles(line string) string {
	var cur sgr
	type span struct {
		from, to int
		style    string
	}
	var spans []span
	col := 0
	for len(line) > 0 {
		if m := csiRe.FindStringSubmatch(line); m != nil {
			if m[2] == "m" {
				cur.apply(m[1])
			}
			line = line[len(m[0]):]
			continue
		}
		if m := oscRe.FindString(line); m != "" {
			line = line[len(m):]
			continue
		}
		g, w := firstGrapheme(line)
		line = line[len(g):]
		if style := cur.String(); style != "" && strings.TrimSpace(g) != "" {
			if n := len(spans); n > 0 && spans[n-1].style == style && spans[n-1].to >= col-1 {
				spans[n-1].to = col + w
			} else {
				spans = append(spans, span{col, col + w, style})
			}
		}
		col += w
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = fmt.Sprintf("%d-%d %s", s.from, s.to, s.style)
	}
	return strings.Join(parts, "; ")
}

// firstGrapheme is the first grapheme of s (up to the next escape) and its width.
func firstGrapheme(s string) (string, int) {
	end := strings.IndexByte(s, 0x1b)
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return s[:1], 0
	}
	for i := range s[:end] {
		if i > 0 {
			return s[:i], ansi.StringWidth(s[:i])
		}
	}
	return s[:end], ansi.StringWidth(s[:end])
}

// requireGolden compares got with testdata/<name>.golden (-update rewrites it).
func requireGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run %s -update to create it)", err, t.Name())
	}
	if string(want) == got {
		return
	}
	gotText, gotStyles, _ := strings.Cut(got, "-- styles --\n")
	wantText, wantStyles, _ := strings.Cut(string(want), "-- styles --\n")
	if gotText != wantText {
		t.Fatalf("%s: the text differs from the golden file (go test ./tui -run '%s' -update rewrites it)\n--- got:\n%s\n--- want:\n%s",
			name, t.Name(), gotText, wantText)
	}
	gl, wl := strings.Split(gotStyles, "\n"), strings.Split(wantStyles, "\n")
	for i := range max(len(gl), len(wl)) {
		g, w := "", ""
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s: the colours differ from the golden file (-update rewrites it)\n--- got:  %s\n--- want: %s\n--- screen:\n%s", name, g, w, gotText)
		}
	}
}

// testApp is the whole app running in a teatest program.
type testApp struct {
	*teatest.TestModel
	app *App
}

// startApp runs the whole app in a test program at a fixed size and colour profile.
func startApp(t *testing.T, c *Common, w, h int) *testApp {
	t.Helper()
	a := New(c)
	tm := teatest.NewTestModel(t, a,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI256)))
	return &testApp{TestModel: tm, app: a}
}

// waitScreen waits until the app's latest frame shows text. (The renderer
// writes only what changed, so the frame, not the byte stream, is watched.)
func waitScreen(t *testing.T, tm *testApp, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ansi.Strip(tm.app.LastFrame()), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q; last frame:\n%s", text, ansi.Strip(tm.app.LastFrame()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// finish quits the program and returns the app as it ended.
func finish(t *testing.T, tm *testApp) *App {
	t.Helper()
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
}

// emptyCommon is a Common over a store with no account (a first run).
func emptyCommon(t *testing.T) *Common {
	t.Helper()
	c, _ := newTestCommon(t)
	if err := eng(c).RemoveAccount("sandbox"); err != nil {
		t.Fatal(err)
	}
	return c
}

// assertFits checks that nothing overflows the terminal.
func assertFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide on a %d-cell terminal: %q", i+1, n, w, l)
		}
	}
}
