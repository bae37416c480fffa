package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/storage"
)

// testDraft is a webhook integration whose one step creates the user of
// the sample event.
func testDraft(email string) *draft {
	d := newDraft(storage.Integration{Name: "New hires", Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{
		{ID: "create", Action: "okta.add_user", Account: "sandbox", Fields: map[string]string{
			"login": "{{ trigger.email }}", "email": "{{ trigger.email }}",
			"firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}",
		}},
	}})
	d.sample = map[string]any{"email": email, "first_name": "Ada", "last_name": "Lovelace"}
	d.sampleSource = "written by hand"
	return d
}

func openTest(t *testing.T, c *Common, d *draft, w, h int) Screen {
	t.Helper()
	var s Screen = newTestRun(c, d)
	s.SetSize(w, h)
	s, _ = runCmd(t, s, s.Init())
	return s
}

// flat is text with every run of spaces and newlines as one space, for
// assertions on wrapped lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// results is the whole results pane as text (it scrolls on screen).
func results(s Screen) string { return ansi.Strip(s.(*testRun).resultsView()) }

func TestTestRunWithoutSample(t *testing.T) {
	c, _ := newTestCommon(t)
	d := testDraft("ada@acme.com")
	d.sample, d.sampleSource = nil, ""
	s := openTest(t, c, d, 78, 20)
	if v := plain(s); !strings.Contains(v, "No sample yet: ctrl+l loads one from the trigger, ctrl+e lets you write one") {
		t.Fatalf("no hint:\n%s", v)
	}
	// a webhook that was never called has no sample to load: the error shows, nothing is lost
	s, _ = press(t, s, "ctrl+l")
	if v := flat(plain(s)); !strings.Contains(v, "could not load a sample") || !strings.Contains(v, "has no sample until it has been called once") {
		t.Fatalf("load error not shown:\n%s", v)
	}
	if d.sample != nil {
		t.Fatal("a sample appeared")
	}
	// no test without a sample
	_, msgs := press(t, s, "ctrl+t")
	if tm, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(tm.text, "No sample yet") {
		t.Fatalf("test without a sample: %v", msgs)
	}
}

func TestTestRunLoadSampleKeepsOldOnError(t *testing.T) {
	c, _ := newTestCommon(t)
	d := testDraft("ada@acme.com")
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+l")
	if d.sample["email"] != "ada@acme.com" {
		t.Fatalf("the old sample was lost: %v", d.sample)
	}
	if v := flat(plain(s)); !strings.Contains(v, "kept the one below") {
		t.Fatalf("error does not say the sample was kept:\n%s", v)
	}
}

func TestTestRunEditSample(t *testing.T) {
	c, _ := newTestCommon(t)
	d := testDraft("ada@acme.com")
	d.sample = nil
	d.in.Steps[0].Fields = map[string]string{"login": "{{ trigger.email }}"}
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+e")
	if !s.Capturing() {
		t.Fatal("not editing")
	}
	// the text starts as {\n  \n} with the cursor inside: write a bad line first
	s = typeText(t, s, `"email": "grace@acme.com",`)
	s, _ = press(t, s, "ctrl+s")
	v := plain(s)
	if !strings.Contains(v, "✗ line 3, column 1") || !s.Capturing() {
		t.Fatalf("parse error not shown in place:\n%s", v)
	}
	if got := s.(*testRun).area.Value(); !strings.Contains(got, `"email": "grace@acme.com",`) {
		t.Fatalf("text lost after an error: %q", got)
	}
	if d.sample != nil {
		t.Fatal("a bad sample was applied")
	}
	s, _ = press(t, s, "backspace") // drop the trailing comma
	s, msgs := press(t, s, "ctrl+s")
	if s.Capturing() {
		t.Fatalf("still editing:\n%s", plain(s))
	}
	if d.sample["email"] != "grace@acme.com" || !strings.Contains(d.sampleSource, "written by hand") {
		t.Fatalf("sample %v source %q", d.sample, d.sampleSource)
	}
	if _, ok := hasMsg[toastMsg](msgs); !ok {
		t.Fatalf("no toast: %v", msgs)
	}
	if !strings.Contains(results(s), `"login": "grace@acme.com"`) {
		t.Fatalf("applying a sample does not preview it:\n%s", results(s))
	}
	// esc on changed text asks first; a second esc discards the edit, not the sample
	s, _ = press(t, s, "ctrl+e")
	s = typeText(t, s, "garbage")
	s, _ = press(t, s, "esc")
	if !s.Capturing() || !strings.Contains(plain(s), "esc again discards") {
		t.Fatalf("the first esc must ask:\n%s", plain(s))
	}
	s, _ = press(t, s, "esc")
	if s.Capturing() || d.sample["email"] != "grace@acme.com" {
		t.Fatalf("esc: capturing %v sample %v", s.Capturing(), d.sample)
	}
}

func TestParseSample(t *testing.T) {
	cases := []struct{ in, err string }{
		{`{"a": 1}`, ""},
		{`[1, 2]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{``, "the sample is empty"},
		{"{\n  \"a\": 1,\n}", "line 3, column 1"},
		{`{"a": `, "ends too soon"},
		{`{"a": 1} {"b": 2}`, "more after the JSON object"},
	}
	for _, tc := range cases {
		_, err := parseSample(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
	m, _ := parseSample(`{"n": 12, "big": 12345678901234567890}`)
	if m["n"] != float64(12) {
		t.Errorf("numbers decode as float64 like events do: %#v", m["n"])
	}
}

func TestTestRunPreview(t *testing.T) {
	c, _ := newTestCommon(t)
	d := testDraft("ada@acme.com")
	d.in.Steps[0].Options = map[string]any{"activate": false}
	d.in.Steps = append(d.in.Steps,
		storage.Step{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ steps.create.profile.login }}"}},
		storage.Step{ID: "off", Action: "okta.deactivate_user", Account: "sandbox", Fields: map[string]string{"firstName": "Ada", "lastName": "{{ trigger.surname }}"}},
	)
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+p")
	r := results(s)
	for _, want := range []string{
		"Preview", "nothing is sent to Okta",
		`"firstName": "Ada"`, "POST /api/v1/users?activate=false", "if the login exists: GET /api/v1/users/ada@acme.com",
		`"profile": {`, `"login": "ada@acme.com"`,
		"2. find", "login reads steps.create.profile.login: known in a real test run",
		"✗ 3. off", "missing value: trigger.surname",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("preview lacks %q:\n%s", want, r)
		}
	}
	calls, _ := describeRequest(storage.Step{Action: "okta.deactivate_user"}, map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, nil)
	if req := strings.Join(calls, "\n"); !strings.Contains(req, `search=profile.firstName eq "Ada" and profile.lastName eq "Lovelace"`) || !strings.Contains(req, "lifecycle/deactivate") {
		t.Errorf("deactivate by name: %s", req)
	}
	calls, _ = describeRequest(storage.Step{Action: "okta.get_user"}, map[string]any{"id": "00u1"}, nil)
	if strings.Join(calls, "\n") != "GET /api/v1/users/00u1" {
		t.Errorf("get by id: %v", calls)
	}
}

func TestTestRunNeedsConfirmation(t *testing.T) {
	c, sim := newTestCommon(t)
	d := testDraft("ada@acme.com")
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+t")
	v := asked(s)
	if q := strings.Join(strings.Fields(v), " "); !strings.Contains(q, "Run the 1 step for real against "+sim.URL+" (sandbox)? It may create or change users.") {
		t.Fatalf("no confirmation naming the org:\n%s", v)
	}
	s, _ = press(t, s, "n")
	if _, ok := sim.UserByLogin("ada@acme.com"); ok {
		t.Fatal("n created the user")
	}
	if strings.Contains(asked(s), "Run the 1 step") {
		t.Fatal("the question stays after n")
	}
	// enter asks too
	s, _ = press(t, s, "enter")
	if !strings.Contains(asked(s), "for real against") {
		t.Fatalf("enter does not ask:\n%s", plain(s))
	}
	s, _ = press(t, s, "esc")
	if _, ok := sim.UserByLogin("ada@acme.com"); ok {
		t.Fatal("esc created the user")
	}
}

func TestTestRunCreatesTheUser(t *testing.T) {
	c, sim := newTestCommon(t)
	d := testDraft("ada@acme.com")
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+t")
	next, cmd := s.Update(keyMsg("y"))
	running := func(s Screen) bool { return strings.Contains(plain(s), "Running step create…") }
	next, _, rest := runCmdUntil(t, next, cmd, running)
	if !running(next) {
		t.Fatalf("no spinner line while running:\n%s", plain(next))
	}
	s, _ = runCmd(t, next, rest)
	if _, ok := sim.UserByLogin("ada@acme.com"); !ok {
		t.Fatal("the test did not create the user")
	}
	r := results(s)
	for _, want := range []string{"Test run", "the step succeeded", "✓ 1. create", `"outcome": "created"`, `"login": "ada@acme.com"`} {
		if !strings.Contains(r, want) {
			t.Errorf("results lack %q:\n%s", want, r)
		}
	}
	if d.outputs["create"]["outcome"] != "created" {
		t.Fatalf("output not kept for suggestions: %v", d.outputs)
	}
	audit, _ := eng(c).Store().Audit(0, 10)
	if len(audit) == 0 || audit[0].Action != "integration.test" || !strings.Contains(audit[0].Detail, "create ✓ created") {
		t.Fatalf("audit %+v", audit)
	}
	// the results pane scrolls
	before := plain(s)
	s, _ = press(t, s, "pgdown")
	if plain(s) == before {
		t.Fatal("pgdown did not scroll the results")
	}
	// o folds the outputs to one line per step, and back
	s, _ = press(t, s, "o")
	if r := results(s); strings.Contains(r, `"outcome": "created"`) || !strings.Contains(r, "✓ 1. create") {
		t.Fatalf("o does not fold the outputs:\n%s", r)
	}
	s, _ = press(t, s, "o")
	if r := results(s); !strings.Contains(r, `"outcome": "created"`) {
		t.Fatalf("o does not unfold the outputs:\n%s", r)
	}
	// the test left no run behind
	if runs, _ := eng(c).Store().ListRuns(storage.RunQuery{Limit: 5}); len(runs) != 0 {
		t.Fatalf("a test created runs: %v", runs)
	}
}

func TestTestRunShowsOktasError(t *testing.T) {
	c, sim := newTestCommon(t)
	d := testDraft("not-an-email")
	s := openTest(t, c, d, 198, 56)
	s, _ = press(t, s, "ctrl+t")
	s, _ = press(t, s, "y")
	r := results(s)
	for _, want := range []string{"✗ 1. create", "E0000001", "HTTP 400", "Api validation failed", "• login", "request id", "Input sent", "the step failed"} {
		if !strings.Contains(r, want) {
			t.Errorf("results lack %q:\n%s", want, r)
		}
	}
	if !strings.Contains(plain(s), "E0000001") {
		t.Fatalf("the error is not on screen:\n%s", plain(s))
	}
	if len(sim.Users()) != 1 { // the admin only
		t.Fatalf("%d users", len(sim.Users()))
	}
	if _, ok := d.outputs["create"]; ok {
		t.Fatal("a failed step's output was kept")
	}
}

func TestTestRunInvalidIntegrationSaysWhat(t *testing.T) {
	c, _ := newTestCommon(t)
	d := testDraft("ada@acme.com")
	delete(d.in.Steps[0].Fields, "lastName")
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+t")
	s, _ = press(t, s, "y")
	if r := results(s); !strings.Contains(r, "lastName") || !strings.Contains(r, "required") {
		t.Fatalf("validation problem not shown:\n%s", r)
	}
}

func TestTestRunViewer(t *testing.T) {
	c, sim := newTestCommon(t)
	asRole(c, Viewer)
	d := testDraft("ada@acme.com")
	s := openTest(t, c, d, 78, 20)
	for _, k := range []string{"ctrl+t", "enter"} {
		var msgs []tea.Msg
		s, msgs = press(t, s, k)
		if tm, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(tm.text, "read-only") {
			t.Fatalf("%s: not refused with the reason: %v", k, msgs)
		}
		if asked(s) != "" {
			t.Fatalf("%s: a viewer was asked to run a test", k)
		}
	}
	s, _ = press(t, s, "ctrl+p")
	if !strings.Contains(results(s), "Preview") {
		t.Fatal("preview refused to a viewer")
	}
	if _, ok := sim.UserByLogin("ada@acme.com"); ok {
		t.Fatal("a viewer created a user")
	}
}

func TestTestRunFitsTheScreen(t *testing.T) {
	c, _ := newTestCommon(t)
	for _, size := range [][2]int{{78, 20}, {198, 56}} {
		d := testDraft("ada@acme.com")
		s := openTest(t, c, d, size[0], size[1])
		checkFits(t, "preview", plain(s), size[0], size[1])
		s, _ = press(t, s, "ctrl+t")
		checkFits(t, "confirm", plain(s), size[0], size[1])
		s, _ = press(t, s, "y")
		checkFits(t, "results", plain(s), size[0], size[1])
		s, _ = press(t, s, "ctrl+e")
		checkFits(t, "editing", plain(s), size[0], size[1])
	}
}

// A step that cannot be undone is said before a real test, in the question
// (issue 10: delete_user), and the sandbox is not called the real org.
func TestTestQuestionWarnsAndNamesTheSandbox(t *testing.T) {
	in := storage.Integration{Steps: []storage.Step{
		{ID: "off", Action: "okta.deactivate_user", Account: "play"},
		{ID: "delete", Action: "okta.delete_user", Account: "play"},
	}}
	q := testQuestion(in, map[string]storage.Account{"play": {Name: "play", Kind: storage.AccountSandbox, OrgURL: "http://127.0.0.1:1"}})
	for _, want := range []string{"the 2 steps", "the simulated sandbox org", "⚠ Step 2 · delete permanently deletes the user", "cannot be undone"} {
		if !strings.Contains(q, want) {
			t.Errorf("the question lacks %q: %s", want, q)
		}
	}
	if strings.Contains(q, "Step 1 · off") {
		t.Errorf("a warning for a step that can be undone: %s", q)
	}
}

// A user found through an earlier step ({{ steps.update.id }}) is a user
// to find by: the preview names the value it waits for in the calls, and
// never adds "nothing to find the user by" (QA: the mover's preview said
// both).
func TestPreviewOfAUserFoundThroughAnEarlierStep(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "Mover", Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{
		{ID: "update", Action: "okta.update_user", Account: "sandbox", Fields: map[string]string{
			"find.login": "{{ trigger.email }}", "department": "{{ trigger.new_department }}"}},
		{ID: "remove", Action: "okta.remove_from_group", Account: "sandbox", Fields: map[string]string{
			"id": "{{ steps.update.id }}", "groupName": "{{ trigger.old_department }}"}},
		{ID: "deactivate", Action: "okta.deactivate_user", Account: "sandbox", Fields: map[string]string{
			"id": "{{ steps.update.id }}"}},
	}})
	d.sample = map[string]any{"email": "liam@example.com", "new_department": "Sales", "old_department": "Engineering"}
	d.sampleSource = "written by hand"
	s := openTest(t, c, d, 78, 20)
	s, _ = press(t, s, "ctrl+p")
	v := flat(results(s))
	if strings.Contains(v, "nothing to find the user by") {
		t.Errorf("the preview says there is nothing to find the user by:\n%s", results(s))
	}
	for _, want := range []string{
		"id reads steps.update.id: known in a real test run",
		"GET /api/v1/users/{steps.update.id} then GET /api/v1/users/{id}/groups",
		"3. deactivate · Deactivate a user · account sandbox id reads steps.update.id: known in a real test run (ctrl+t) Request GET /api/v1/users/{steps.update.id}",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the preview lacks %q:\n%s", want, results(s))
		}
	}
}
