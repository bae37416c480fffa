package tui

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// gdrive walks the real app, in a test program, to the screen a golden
// file holds.
type gdrive struct {
	t   *testing.T
	c   *Common
	sim *oktatest.Server
	tm  *testApp
}

func (g *gdrive) keys(keys ...string) {
	for _, k := range keys {
		g.tm.Send(keyMsg(k))
	}
}
func (g *gdrive) typ(text string)  { g.tm.Type(text) }
func (g *gdrive) wait(text string) { g.t.Helper(); waitScreen(g.t, g.tm, text) }

// goldenCase is one screen of the app in a state worth keeping.
type goldenCase struct {
	name  string
	empty bool          // a first run: no account
	seed  func(*gdrive) // store contents, before the app starts
	drive func(*gdrive) // keys from the first screen to the one kept
}

// seedIntegrations adds two integrations, one ON.
func seedIntegrations(t *testing.T, c *Common) []storage.Integration {
	t.Helper()
	ctx := context.Background()
	webhook, err := eng(c).SaveIntegration(ctx, storage.Integration{
		Name: "Onboard new hires", Description: "Create Okta users from the HR system's webhook",
		Trigger: storage.Trigger{Type: "webhook", Secrets: map[string]storage.Secret{"secret": "golden-secret-0123456789"}},
		Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "sandbox", Options: map[string]any{"activate": true},
			Fields: map[string]string{"login": "{{ trigger.email }}", "email": "{{ trigger.email }}", "firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng(c).SetEnabled(ctx, webhook.ID, true, time.Time{}); err != nil {
		t.Fatal(err)
	}
	manual, err := eng(c).SaveIntegration(ctx, storage.Integration{
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

// seedRuns gives the first integration a run that succeeded, one that
// failed with Okta's error after a retry, and one still queued (its event is the sample
// the mapping and test screens start from).
func seedRuns(t *testing.T, c *Common, in storage.Integration) {
	t.Helper()
	st := eng(c).Store()
	ids := runsSeed(t, c, in.ID, 3)
	out, _ := json.Marshal(map[string]any{"outcome": "created", "id": "00u1goldenuser00001", "status": "ACTIVE",
		"profile": map[string]any{"login": "user0@example.com"}})
	at := time.Now()
	st.StartRun(ids[0])
	st.SaveStep(ids[0], storage.StepResult{StepID: "create", Succeeded: true, Input: map[string]any{"login": "user0@example.com"},
		Output: out, StartedAt: at.Add(-340 * time.Millisecond), FinishedAt: at})
	if _, err := st.SucceedRun(ids[0]); err != nil {
		t.Fatal(err)
	}
	// The failed run was tried twice: a 503 first, then Okta's refusal.
	st.StartRun(ids[1])
	st.FinishRun(ids[1], storage.Outcome{State: storage.RunRetrying, Due: at,
		Cause: &storage.StepError{Message: "step create: okta: POST /api/v1/users: 503 Service Unavailable", Status: 503}}.OnStep("create"))
	runsFail(t, c, ids[1])
}

// seedAudit records a few changes.
func seedAudit(t *testing.T, c *Common) {
	t.Helper()
	for _, e := range []storage.AuditEntry{
		{Who: "local:ada", Action: "account.add", Target: "sandbox", Detail: "sandbox org"},
		{Who: "ssh:SHA256:Q2xvdWRzIGFyZSBub3QgZmx1ZmZ5 bob@laptop", Action: "integration.enable", Target: "int_000000000001", Detail: "Onboard new hires"},
		{Who: "local:ada", Action: "integration.test", Target: "int_000000000001", Detail: "create ✓ created"},
	} {
		if _, err := eng(c).Store().AddAudit(e); err != nil {
			t.Fatal(err)
		}
	}
}

// seedFailing adds an Okta event trigger, ON, whose polls fail.
func seedFailing(g *gdrive) {
	seedAll(g)
	in, err := eng(g.c).SaveIntegration(context.Background(), storage.Integration{
		Name: "Mirror Okta users", Trigger: storage.Trigger{Type: "okta_event", Config: map[string]any{"account": "sandbox", "event_types": []any{"user.lifecycle.create"}}},
		Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"id": "{{ trigger.target[0].id }}"}}},
	})
	if err != nil {
		g.t.Fatal(err)
	}
	if _, err := eng(g.c).SetEnabled(context.Background(), in.ID, true, time.Time{}); err != nil {
		g.t.Fatal(err)
	}
	at := time.Now()
	if _, err := eng(g.c).Store().SetTriggerHealth(in.ID, storage.TriggerHealth{State: storage.HealthFailing, Failures: 3,
		LastError:   "GET /api/v1/logs: 403 E0000006 You do not have permission to perform the requested action",
		LastErrorAt: at, LastOKAt: at.Add(-10 * time.Minute), NextPollAt: at.Add(2 * time.Minute)}); err != nil {
		g.t.Fatal(err)
	}
}

func seedAll(g *gdrive) {
	ins := seedIntegrations(g.t, g.c)
	seedRuns(g.t, g.c, ins[0])
}

// toHome waits for the list and selects the webhook integration (the
// second, by name).
func toHome(g *gdrive) {
	g.wait("Offboard leavers")
	g.keys("down")
	g.wait("Webhook: POST")
}

// toEditor opens the webhook integration's editor (once the latest run's
// event is its sample: the curl command sends it).
func toEditor(g *gdrive) {
	toHome(g)
	g.keys("enter")
	g.wait("STEPS")
	g.wait(`"email":"user2@`)
}

// toMapping opens the mapping of its step.
func toMapping(g *gdrive) {
	toEditor(g)
	g.keys("down")
	g.wait("FIELDS")
	g.keys("enter")
	g.wait("FIELD ")
	g.wait("sample: the trigger's latest event")
}

// toTest opens the editor's test screen, which previews the sample.
func toTest(g *gdrive) {
	toEditor(g)
	g.keys("ctrl+t")
	g.wait("Preview")
}

// toRuns opens the runs of the webhook integration.
func toRuns(g *gdrive) {
	toHome(g)
	g.keys("r")
	g.wait("1 of 3")
}

// toAccountKind opens the account form on its n-th kind.
func toAccountKind(g *gdrive, n int) {
	toHome(g)
	g.keys("a")
	g.wait("VERIFIED")
	g.keys("a")
	g.wait("What do you connect?")
	time.Sleep(300 * time.Millisecond) // the OAuth scopes to offer arrive (a store read)
	for range n {
		g.keys("down")
	}
	g.keys("enter")
}

// toWizard starts a new integration and names it.
func toWizard(g *gdrive) {
	g.wait("Offboard leavers")
	g.keys("n")
	g.wait("Name your integration")
	g.typ("Onboard contractors")
	g.wait("“Onboard contractors”")
	g.keys("enter")
	g.wait("┃ Description")
	g.keys("enter")
	g.wait("What starts this integration?")
}

var goldenCases = []goldenCase{
	{name: "welcome", empty: true, drive: func(g *gdrive) { g.wait("Try it with a sandbox org") }},
	{name: "home-empty", drive: func(g *gdrive) { g.wait("No integrations yet") }},
	{name: "home", seed: seedAll, drive: toHome},
	{name: "home-trigger-failing", seed: seedFailing, drive: func(g *gdrive) {
		g.wait("Mirror Okta users")
		g.wait("failed 3 times in a row")
	}},
	{name: "editor-trigger-failing", seed: seedFailing, drive: func(g *gdrive) {
		g.wait("Mirror Okta users")
		g.wait("failed 3 times in a row")
		g.keys("enter")
		g.wait("STEPS")
		g.wait("worked")
	}},
	{name: "help", seed: seedAll, drive: func(g *gdrive) { toHome(g); g.keys("?"); g.wait("Keys on") }},
	{name: "quit-confirm", seed: seedAll, drive: func(g *gdrive) { toHome(g); g.keys("q"); g.wait("Quit?") }},
	{name: "delete-confirm", seed: seedAll, drive: func(g *gdrive) { toHome(g); g.keys("x"); g.wait("Delete") }},
	{name: "editor-trigger", seed: seedAll, drive: toEditor},
	{name: "editor-step", seed: seedAll, drive: func(g *gdrive) { toEditor(g); g.keys("down"); g.wait("FIELDS") }},
	{name: "mapping", seed: seedAll, drive: toMapping},
	{name: "help-mapping", seed: seedAll, drive: func(g *gdrive) { toMapping(g); g.keys("?"); g.wait("Keys on") }},
	{name: "mapping-edit", seed: seedAll, drive: func(g *gdrive) {
		toMapping(g)
		g.keys("enter")
		g.wait("Suggestions · ↑/↓ choose")
	}},
	{name: "mapping-groups", seed: func(g *gdrive) {
		seedAll(g)
		g.sim.AddGroup("Engineering", "Product and platform engineers")
		g.sim.AddGroup("Sales", "Account executives and sales development")
	}, drive: func(g *gdrive) {
		toMapping(g)
		g.keys("G", "up") // groupIds: the last field, above the options
		g.wait("ctrl+o picks a group")
		g.keys("ctrl+o")
		g.wait("Sales")
	}},
	{name: "test-preview", seed: seedAll, drive: toTest},
	{name: "test-confirm", seed: seedAll, drive: func(g *gdrive) {
		toTest(g)
		g.keys("ctrl+t")
		g.wait("for real against")
	}},
	{name: "test-result", seed: seedAll, drive: func(g *gdrive) {
		toTest(g)
		g.keys("ctrl+t")
		g.wait("for real against")
		g.keys("y")
		g.wait("Test run")
	}},
	{name: "runs", seed: seedAll, drive: toRuns},
	{name: "runs-all", seed: seedAll, drive: func(g *gdrive) { toHome(g); g.keys("R"); g.wait("INTEGRATION") }},
	{name: "run-detail", seed: seedAll, drive: func(g *gdrive) {
		toRuns(g)
		g.keys("down")
		g.wait("2 of 3")
		g.keys("enter")
		g.wait("Request id")
	}},
	{name: "run-now", seed: seedAll, drive: func(g *gdrive) {
		g.wait("Offboard leavers")
		g.keys("ctrl+g")
		g.wait("ctrl+s runs it")
		g.wait("acts on") // the accounts the steps act on arrive after the first frame
	}},
	{name: "accounts", seed: seedAll, drive: func(g *gdrive) { toHome(g); g.keys("a"); g.wait("VERIFIED") }},
	{name: "account-form", seed: seedAll, drive: func(g *gdrive) {
		toHome(g)
		g.keys("a")
		g.wait("VERIFIED")
		g.keys("a")
		g.wait("What do you connect?")
		time.Sleep(300 * time.Millisecond) // the OAuth scopes arrive and the form is built again
	}},
	{name: "account-form-token", seed: seedAll, drive: func(g *gdrive) { toAccountKind(g, 0); g.wait("┃ Okta domain"); g.wait("Admin Console") }},
	{name: "account-form-oauth", seed: seedAll, drive: func(g *gdrive) { toAccountKind(g, 1); g.wait("┃ Okta domain"); g.wait("Client ID") }},
	{name: "account-form-kissflow", seed: seedAll, drive: func(g *gdrive) { toAccountKind(g, 2); g.wait("┃ Kissflow host") }},
	{name: "audit", seed: func(g *gdrive) { seedAll(g); seedAudit(g.t, g.c) }, drive: func(g *gdrive) {
		toHome(g)
		g.keys("L")
		g.wait("bob@laptop")
	}},
	{name: "audit-entry", seed: func(g *gdrive) { seedAll(g); seedAudit(g.t, g.c) }, drive: func(g *gdrive) {
		toHome(g)
		g.keys("L")
		g.wait("bob@laptop")
		g.keys("down", "enter")
		g.wait("Audit entry")
	}},
	{name: "wizard-name", seed: seedAll, drive: func(g *gdrive) {
		toHome(g)
		g.keys("n")
		g.wait("Name your integration")
		g.typ("Onboard")
		g.wait("“Onboard”")
		g.keys("tab")
		g.wait("┃ Description")
	}},
	{name: "wizard-trigger", seed: seedAll, drive: toWizard},
	{name: "trigger-settings", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("enter")
		g.wait("Secret")
	}},
	{name: "trigger-settings-okta-event", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("down", "down", "down")
		g.wait("▸ When Okta logs")
		g.keys("enter")
		g.wait("Event types")
	}},
	{name: "trigger-settings-leave", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("down", "down", "down")
		g.wait("▸ When Okta logs")
		g.keys("enter")
		g.wait("Event types")
		g.keys("esc")
		g.wait("Leave these settings")
	}},
	{name: "action-picker", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("enter")
		g.wait("Secret")
		g.keys("ctrl+s")
		g.wait("Add an action")
	}},
	{name: "account-picker", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("enter")
		g.wait("Secret")
		g.keys("ctrl+s")
		g.wait("Add an action")
		g.keys("enter")
		g.wait("Which Okta account")
		g.wait("+ Add an account")
	}},
	{name: "wizard-review", seed: seedAll, drive: func(g *gdrive) {
		toWizard(g)
		g.keys("enter")
		g.wait("Secret")
		g.keys("ctrl+s")
		g.wait("Add an action")
		g.keys("enter")
		g.wait("Which Okta account")
		g.wait("+ Add an account")
		g.keys("enter")
		g.wait("FIELD ")
		g.keys("esc")
		g.wait("Sample · a starter sample")
		g.keys("esc")
		g.wait("problem")
	}},
}

// goldenSizes and goldenThemes: every screen is kept at both sizes on a
// dark and a light terminal.
var goldenSizes = []struct{ w, h int }{{80, 24}, {200, 60}}
var goldenThemes = []struct {
	name string
	dark bool
}{{"dark", true}, {"light", false}}

func TestGoldenScreens(t *testing.T) {
	for _, gc := range goldenCases {
		for _, size := range goldenSizes {
			for _, theme := range goldenThemes {
				name := gc.name + "-" + itoa(size.w) + "x" + itoa(size.h) + "-" + theme.name
				t.Run(name, func(t *testing.T) {
					var c *Common
					var sim *oktatest.Server
					if gc.empty {
						c = emptyCommon(t)
					} else {
						c, sim = newTestCommon(t)
					}
					c.Styles = NewStyles(theme.dark)
					g := &gdrive{t: t, c: c, sim: sim}
					if gc.seed != nil {
						gc.seed(g)
					}
					g.tm = startApp(t, c, size.w, size.h)
					gc.drive(g)
					a := finish(t, g.tm)
					frame := a.render()
					requireGolden(t, name, styledGolden(frame))
					assertFits(t, plainLines(frame), size.w, size.h)
				})
			}
		}
	}
}
