package tui

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// mappingDraft is a webhook integration with a lookup step and a create
// step on the test account, and a sample event.
func mappingDraft() *draft {
	d := newDraft(storage.Integration{Name: "New hires", Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.manager_email }}"}},
		{ID: "create", Action: "okta.add_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}"}},
	}})
	d.sample = map[string]any{
		"email": "ada@acme.com", "first_name": "Ada", "last_name": "Lovelace", "manager_email": "grace@acme.com",
		"address": map[string]any{"city": "London"}, "tags": []any{"eng"},
	}
	d.sampleSource = "written by hand"
	return d
}

// openMapping opens the mapping screen of a step and loads its fields.
func openMapping(t *testing.T, c *Common, d *draft, step int) Screen {
	t.Helper()
	var s Screen = newMapping(c, d, step)
	s.SetSize(78, 20)
	s, _ = runCmd(t, s, s.Init())
	return s
}

// selectField moves the cursor to a field by name.
func selectField(t *testing.T, s Screen, name string) Screen {
	t.Helper()
	m := s.(*mappingScreen)
	for i, r := range m.rows {
		if r.f.Name == name {
			m.list.Select(i)
			return s
		}
	}
	t.Fatalf("no field %s", name)
	return s
}

func plain(s Screen) string { return ansi.Strip(s.View()) }

func TestMappingListsFieldsAndUnmappedRequired(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	s := openMapping(t, c, d, 1)
	v := plain(s)
	for _, want := range []string{
		"Add a user (okta.add_user)", "account sandbox",
		"schema not fetched: ctrl+f to read the org's fields",
		"3 required fields unmapped: firstName, lastName, email",
		"* login", "{{ trigger.email }}", "— not mapped", "Activate",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if s.Title() != "Map fields · create" {
		t.Errorf("title %q", s.Title())
	}
}

func TestMappingEditCompilesAsYouType(t *testing.T) {
	cases := []struct {
		name, field, typed, wantErr string
		step                        int
	}{
		{"syntax error", "firstName", "{{ trigger.first_name", `"{{" is never closed`, 1},
		{"unknown name", "firstName", "{{ trigeer.first_name }}", "unknown name trigeer", 1},
		{"unknown step", "lastName", "{{ steps.nope.profile.lastName }}", "reads steps.nope, but the steps before this one are: [find]", 1},
		{"later step", "login", "{{ steps.create.id }}", "reads steps.create, but no step runs before this one", 0},
		{"earlier step is fine", "lastName", "{{ steps.find.profile.lastName }}", "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCommon(t)
			d := mappingDraft()
			s := selectField(t, openMapping(t, c, d, tc.step), tc.field)
			s, _ = press(t, s, "enter")
			if !s.Capturing() {
				t.Fatal("not editing after enter")
			}
			s, _ = press(t, s, "ctrl+u") // clear what was there
			s = typeText(t, s, tc.typed)
			v := plain(s)
			if tc.wantErr != "" && (!strings.Contains(v, tc.wantErr) || !strings.Contains(v, "✗ ")) {
				t.Fatalf("while typing: no error %q:\n%s", tc.wantErr, v)
			}
			if tc.wantErr == "" && !strings.Contains(v, "✓ compiles") {
				t.Fatalf("while typing: not compiling:\n%s", v)
			}
			s, _ = press(t, s, "enter")
			if s.Capturing() {
				t.Fatal("still editing after enter")
			}
			if got := d.in.Steps[tc.step].Fields[tc.field]; got != tc.typed {
				t.Fatalf("saved %q, want the text kept as typed %q", got, tc.typed)
			}
			if !d.dirty {
				t.Fatal("draft not marked dirty")
			}
			row := lineWith(plain(s), tc.field)
			if tc.wantErr != "" && !strings.Contains(row, "✗") {
				t.Fatalf("no ✗ beside the field: %q", row)
			}
			if tc.wantErr == "" && strings.Contains(row, "✗") {
				t.Fatalf("an error beside a good field: %q", row)
			}
		})
	}
}

// lineWith returns the first line of v holding a field's row.
func lineWith(v, field string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, " "+field+" ") {
			return l
		}
	}
	return ""
}

func TestMappingSuggestionsInsertPaths(t *testing.T) {
	cases := []struct {
		name, field, typed, want string
		downs                    int
	}{
		{"empty value takes the chosen path", "email", "", "{{ trigger.address.city }}", 0},
		{"a word filters and is replaced", "email", "emai", "{{ trigger.email }}", 0},
		{"inside {{ the path completes the template", "firstName", "{{ trigger.first", "{{ trigger.first_name }}", 0},
		{"after text it is inserted at the cursor", "displayName", "Dr. ", "Dr. {{ trigger.address.city }}", 0},
		{"down chooses the next one", "lastName", "_name", "{{ trigger.last_name }}", 1},
		{"inside an expression only the word is replaced", "nickName", "{{ lower(trigger.first", "{{ lower(trigger.first_name", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCommon(t)
			d := mappingDraft()
			s := selectField(t, openMapping(t, c, d, 1), tc.field)
			s, _ = press(t, s, "enter")
			s = typeText(t, s, tc.typed)
			for range tc.downs {
				s, _ = press(t, s, "down")
			}
			s, _ = press(t, s, "tab")
			if got := s.(*mappingScreen).input.Value(); got != tc.want {
				t.Fatalf("after tab: %q, want %q", got, tc.want)
			}
			s, _ = press(t, s, "enter")
			if got := d.in.Steps[1].Fields[tc.field]; got != tc.want {
				t.Fatalf("saved %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMappingSuggestionsShowSampleAndSteps(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	s := selectField(t, openMapping(t, c, d, 1), "email")
	s.SetSize(198, 56)
	s, _ = press(t, s, "enter")
	v := plain(s)
	for _, want := range []string{`trigger.email`, `"ada@acme.com"`, "trigger.address.city", "trigger.tags[0]", "steps.find.profile.login", "known after a test run"} {
		if !strings.Contains(v, want) {
			t.Errorf("suggestions lack %q:\n%s", want, v)
		}
	}
	// a test output replaces the defaults with the real paths
	s, _ = press(t, s, "esc")
	d.outputs["find"] = map[string]any{"id": "00u1", "profile": map[string]any{"login": "grace@acme.com", "costCenter": "R&D"}}
	s, _ = press(t, s, "enter")
	s = typeText(t, s, "{{ steps.")
	v = plain(s)
	for _, want := range []string{"steps.find.profile.costCenter", `"R&D"`, `"00u1"`} {
		if !strings.Contains(v, want) {
			t.Errorf("step suggestions lack %q:\n%s", want, v)
		}
	}
	for _, sg := range s.(*mappingScreen).input.Suggestions() {
		if !strings.HasPrefix(sg.Path, "steps.") {
			t.Errorf("suggestions not filtered by the word typed: %s", sg.Path)
		}
	}
}

func TestMappingEscCancelsOnlyTheEdit(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	s := openMapping(t, c, d, 1) // login is first
	s, _ = press(t, s, "enter")
	s = typeText(t, s, " and more")
	s, msgs := press(t, s, "esc")
	if s.Capturing() || len(msgs) != 0 {
		t.Fatalf("esc while editing: capturing %v, msgs %v", s.Capturing(), msgs)
	}
	if got := d.in.Steps[1].Fields["login"]; got != "{{ trigger.email }}" || d.dirty {
		t.Fatalf("cancelled edit changed the draft: %q dirty %v", got, d.dirty)
	}
	if _, msgs = press(t, s, "esc"); !hasPop(msgs) {
		t.Fatalf("esc when not editing did not pop: %v", msgs)
	}
}

func hasPop(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(popMsg); ok {
			return true
		}
	}
	return false
}

func TestMappingEmptyValueRemovesTheField(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	s := openMapping(t, c, d, 1)
	s, _ = press(t, s, "enter")
	s, _ = press(t, s, "ctrl+u")
	s, _ = press(t, s, "enter")
	if _, has := d.in.Steps[1].Fields["login"]; has || !d.dirty {
		t.Fatalf("emptied field kept: %v dirty %v", d.in.Steps[1].Fields, d.dirty)
	}
	if !strings.Contains(plain(s), "4 required fields unmapped: login, firstName, lastName, email") {
		t.Fatalf("unmapped list not updated:\n%s", plain(s))
	}
}

func TestMappingOptions(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	s := openMapping(t, c, d, 1)
	s, _ = press(t, s, "G") // the last row: the activate option
	if !strings.Contains(plain(s), "[x] Activate") {
		t.Fatalf("activate not shown on:\n%s", plain(s))
	}
	s, _ = press(t, s, "space")
	if d.in.Steps[1].Options["activate"] != false || !d.dirty {
		t.Fatalf("options %v dirty %v", d.in.Steps[1].Options, d.dirty)
	}
	if !strings.Contains(plain(s), "[ ] Activate") {
		t.Fatalf("toggle not shown:\n%s", plain(s))
	}
	// an enum option cycles
	g := openMapping(t, c, d, 0)
	g, _ = press(t, g, "G")
	g, _ = press(t, g, "space")
	if d.in.Steps[0].Options["match"] != "first" {
		t.Fatalf("match option %v", d.in.Steps[0].Options)
	}
	if !strings.Contains(plain(g), "‹first›") {
		t.Fatalf("enum value not shown:\n%s", plain(g))
	}
}

func TestMappingRefreshKeepsMappingsAndShowsNewCustomAttribute(t *testing.T) {
	c, sim := newTestCommon(t)
	d := mappingDraft()
	d.in.Steps[1].Fields["firstName"] = "{{ trigger.first_name }}"
	d.in.Steps[1].Fields["favouriteColour"] = "blue" // a field the schema lacks
	s := openMapping(t, c, d, 1)
	if row := lineWith(plain(sized(s, 198, 56)), "favouriteColour"); !strings.Contains(row, "gone") || !strings.Contains(row, "blue") {
		t.Fatalf("a mapping to an unknown field is not kept with a warning: %q", row)
	}
	addCustomAttr(t, sim, "costCentre", "Cost centre")

	s, msgs := press(t, s, "ctrl+f")
	if _, ok := hasMsg[toastMsg](msgs); !ok {
		t.Fatalf("no toast after refresh: %v", msgs)
	}
	s.SetSize(198, 56)
	v := plain(s)
	row := lineWith(v, "costCentre")
	if !strings.Contains(row, "custom") {
		t.Fatalf("the new custom attribute is not listed as custom: %q\n%s", row, v)
	}
	if strings.Contains(v, "schema not fetched") {
		t.Fatalf("still says not fetched:\n%s", v)
	}
	f := d.in.Steps[1].Fields
	if f["login"] != "{{ trigger.email }}" || f["firstName"] != "{{ trigger.first_name }}" || f["favouriteColour"] != "blue" {
		t.Fatalf("refresh changed mappings: %v", f)
	}
	if !strings.Contains(lineWith(v, "favouriteColour"), "gone") {
		t.Fatalf("orphan mapping dropped after refresh:\n%s", v)
	}
	if _, err := eng(c).Store().Schema(mustAccount(t, c).ID); err != nil {
		t.Fatalf("schema not cached: %v", err)
	}
	audit, _ := eng(c).Store().Audit(0, 10)
	if len(audit) == 0 || audit[0].Action != "account.refresh_schema" {
		t.Fatalf("no audit entry: %+v", audit)
	}
}

func sized(s Screen, w, h int) Screen { s.SetSize(w, h); return s }

func mustAccount(t *testing.T, c *Common) storage.Account {
	t.Helper()
	a, err := eng(c).Store().Account("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// addCustomAttr adds a custom attribute to the simulated org's schema, as an
// admin would in Okta's console.
func addCustomAttr(t *testing.T, sim *oktatest.Server, name, title string) {
	t.Helper()
	body := `{"definitions":{"custom":{"id":"#custom","type":"object","properties":{"` + name +
		`":{"title":"` + title + `","type":"string","description":"added in the test"}}}}}`
	req, _ := http.NewRequest(http.MethodPost, sim.URL+"/api/v1/meta/schemas/user/default", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "SSWS "+sim.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("schema update: %s", resp.Status)
	}
}

func TestMappingViewerCannotEdit(t *testing.T) {
	c, _ := newTestCommon(t)
	asRole(c, Viewer)
	d := mappingDraft()
	s := openMapping(t, c, d, 1)
	for _, k := range []string{"enter", "x", "ctrl+f"} {
		var msgs []tea.Msg
		s, msgs = press(t, s, k)
		tm, ok := hasMsg[toastMsg](msgs)
		if !ok || !strings.Contains(tm.text, "read-only") {
			t.Errorf("%s: no refusal with the reason: %v", k, msgs)
		}
		if s.Capturing() {
			t.Fatalf("%s: a viewer is editing", k)
		}
	}
	if d.dirty || d.in.Steps[1].Fields["login"] != "{{ trigger.email }}" {
		t.Fatal("a viewer changed the draft")
	}
	if !strings.Contains(plain(s), "read-only") {
		t.Fatalf("the view does not say read-only:\n%s", plain(s))
	}
}

func TestMappingFitsTheScreen(t *testing.T) {
	c, _ := newTestCommon(t)
	d := mappingDraft()
	for _, size := range [][2]int{{78, 20}, {198, 56}} {
		s := openMapping(t, c, d, 1)
		s.SetSize(size[0], size[1])
		checkFits(t, "list", plain(s), size[0], size[1])
		s, _ = press(t, s, "enter")
		checkFits(t, "editing", plain(s), size[0], size[1])
	}
}

// checkFits fails when a view is wider or taller than its body.
func checkFits(t *testing.T, what, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%s at %dx%d: %d lines", what, w, h, len(lines))
	}
	for _, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%s at %dx%d: line %d wide: %q", what, w, h, n, l)
		}
	}
}

// The field editor says what a mapping gives for the sample as it is
// typed, and warns when the sample lacks a path it reads.
func TestMappingLiveValue(t *testing.T) {
	d := newDraft(storage.Integration{Trigger: storage.Trigger{Type: "webhook"}, Steps: []storage.Step{{ID: "find"}, {ID: "create"}}})
	d.setStarter(map[string]any{"email": "ada@acme.com", "first": "Ada"})
	for _, tc := range []struct {
		src, want string
		bad       bool
	}{
		{"Ada", "→ Ada", false},
		{"{{ lower(trigger.email) }}", "→ ada@acme.com", false},
		{`{{ trigger.dept ?? "Engineering" }}`, "→ Engineering", false},
		{"{{ trigger.surname }}", "⚠ the sample has no trigger.surname", true},
		{"{{ steps.find.id }}", "known in a test run: it reads steps.find.id", false},
	} {
		got, bad := liveValue(tc.src, d)
		if !strings.HasPrefix(got, tc.want) || bad != tc.bad {
			t.Errorf("liveValue(%q) = %q, %v; want %q…, %v", tc.src, got, bad, tc.want, tc.bad)
		}
	}
	d.sample = nil
	if got, _ := liveValue("{{ trigger.email }}", d); !strings.Contains(got, "no sample") {
		t.Errorf("without a sample: %q", got)
	}
}
