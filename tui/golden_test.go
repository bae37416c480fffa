package tui

import (
	"context"
	"flag"
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

	"github.com/oktaflow/oktaflow/storage"
)

// updating reports -update (the flag belongs to teatest's golden package).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// volatile are the parts of a screen that change from run to run.
var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`int_[a-z0-9]{12}`), "int_XXXXXXXXXXXX"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\d+s ago`), "Ns ago"},
}

// screenText is what the app shows, without colours, volatile parts masked.
func screenText(a *App) string {
	s := ansi.Strip(a.render())
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
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
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the golden file (go test ./tui -run %s -update rewrites it)\n--- got:\n%s\n--- want:\n%s", name, t.Name(), got, want)
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
	if err := c.Engine.RemoveAccount("sandbox"); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGoldenWelcome(t *testing.T) {
	c := emptyCommon(t)
	tm := startApp(t, c, 80, 24)
	waitScreen(t, tm, "Try it with a sandbox org")
	requireGolden(t, "welcome-80x24", screenText(finish(t, tm)))
}

// seedIntegrations adds two integrations, one ON.
func seedIntegrations(t *testing.T, c *Common) []storage.Integration {
	t.Helper()
	ctx := context.Background()
	webhook, err := c.Engine.SaveIntegration(ctx, storage.Integration{
		Name: "Onboard new hires", Description: "Create Okta users from the HR system's webhook",
		Trigger: storage.Trigger{Type: "webhook", Secrets: map[string]storage.Secret{"secret": "golden-secret-0123456789"}},
		Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "sandbox", Options: map[string]any{"activate": true},
			Fields: map[string]string{"login": "{{ trigger.email }}", "email": "{{ trigger.email }}", "firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Engine.SetEnabled(ctx, webhook.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	manual, err := c.Engine.SaveIntegration(ctx, storage.Integration{
		Name: "Offboard leavers", Trigger: storage.Trigger{Type: "manual"},
		Steps: []storage.Step{
			{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}"}},
			{ID: "deactivate", Action: "okta.deactivate_user", Account: "sandbox", Fields: map[string]string{"id": "{{ steps.find.id }}"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return []storage.Integration{webhook, manual}
}

func TestGoldenIntegrationsAndEditor(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		t.Run(itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
			c, _ := newTestCommon(t)
			seedIntegrations(t, c)
			tm := startApp(t, c, size.w, size.h)
			waitScreen(t, tm, "Offboard leavers")
			tm.Send(keyMsg("enter"))
			waitScreen(t, tm, "STEPS")
			tm.Send(keyMsg("down"))
			waitScreen(t, tm, "FIELDS")
			a := finish(t, tm)
			got := screenText(a)
			requireGolden(t, "editor-"+itoa(size.w)+"x"+itoa(size.h), got)
			assertFits(t, got, size.w, size.h)
		})
	}
}

func TestGoldenHome(t *testing.T) {
	c, _ := newTestCommon(t)
	seedIntegrations(t, c)
	tm := startApp(t, c, 80, 24)
	waitScreen(t, tm, "Offboard leavers")
	got := screenText(finish(t, tm))
	requireGolden(t, "integrations-80x24", got)
	assertFits(t, got, 80, 24)
}

func TestGoldenWizardName(t *testing.T) {
	c, _ := newTestCommon(t)
	tm := startApp(t, c, 80, 24)
	waitScreen(t, tm, "Press n to create")
	tm.Send(keyMsg("n"))
	waitScreen(t, tm, "Name your integration")
	tm.Type("Onboard")
	tm.Send(keyMsg("tab"))
	waitScreen(t, tm, "Description")
	got := screenText(finish(t, tm))
	requireGolden(t, "wizard-name-80x24", got)
	assertFits(t, got, 80, 24)
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
