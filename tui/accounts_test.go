package tui

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

func acctOpen(t *testing.T, c *Common) *accounts {
	t.Helper()
	s := newAccounts(c)
	s, _ = runCmd(t, s, s.Init())
	return s.(*accounts)
}

// acctAddCustom adds custom attributes to the simulated org's user schema.
func acctAddCustom(t *testing.T, sim *oktatest.Server, names ...string) {
	t.Helper()
	var props []string
	for _, n := range names {
		props = append(props, `"`+n+`": {"title": "`+n+`", "type": "string"}`)
	}
	body := `{"definitions": {"custom": {"id": "#custom", "type": "object", "properties": {` + strings.Join(props, ",") + `}}}}`
	req, _ := http.NewRequest(http.MethodPost, sim.URL+"/api/v1/meta/schemas/user/default", bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "SSWS "+sim.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("add custom attributes: %s %s", resp.Status, msg)
	}
}

func acctAudited(t *testing.T, c *Common, action string) bool {
	t.Helper()
	entries, err := eng(c).Store().Audit(0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == action && e.Who == c.Backend.Who() {
			return true
		}
	}
	return false
}

func TestAccountsList(t *testing.T) {
	c, _ := newTestCommon(t)
	a, err := eng(c).Store().Account("sandbox")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{78, 20}, {198, 56}} {
		c.Width, c.Height = size[0], size[1]
		s := acctOpen(t, c)
		v := ansi.Strip(s.View())
		for _, want := range []string{"NAME", "ORG URL", "VERIFIED AS", "sandbox", a.OrgURL, a.VerifiedAs, a.Token.Mask(), "not fetched"} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: view lacks %q:\n%s", size, want, v)
			}
		}
		if strings.Contains(v, a.Token.Reveal()) {
			t.Errorf("%v: the token shows in clear", size)
		}
		runsFits(t, s.View(), size[0], size[1])
	}
}

func TestAccountsVerifyAndRefresh(t *testing.T) {
	c, sim := newTestCommon(t)
	acctAddCustom(t, sim, "badgeId", "shirtSize")
	s := acctOpen(t, c)

	// v verifies: a spinner while it runs, then a toast naming the admin.
	next, cmd := s.Update(keyMsg("v"))
	if v := next.View(); !strings.Contains(v, "Verifying sandbox") {
		t.Errorf("no progress shown while verifying:\n%s", v)
	}
	_, msgs := runCmd(t, next, cmd)
	if m, ok := hasMsg[toastMsg](msgs); !ok || m.text != "Authenticated as admin@example.com" {
		t.Errorf("verify toast: %v", msgs)
	}
	if !acctAudited(t, c, "account.verify") {
		t.Error("verify not audited")
	}

	// ctrl+f refreshes the schema and names the custom fields.
	_, msgs = press(t, s, "ctrl+f")
	m, ok := hasMsg[toastMsg](msgs)
	if !ok || !strings.Contains(m.text, "2 custom: badgeId, shirtSize") {
		t.Errorf("refresh toast: %q (%v)", m.text, msgs)
	}
	if !acctAudited(t, c, "account.refresh_schema") {
		t.Error("refresh not audited")
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, "2 custom: badgeId, shirtSize") {
		t.Errorf("view lacks the schema:\n%s", v)
	}

	// A failure shows in place.
	sim.Close()
	_, msgs = press(t, s, "v")
	if _, ok := hasMsg[toastMsg](msgs); ok || s.problem == nil {
		t.Errorf("verify against a stopped org: problem %v, msgs %v", s.problem, msgs)
	}
	if v := s.View(); !strings.Contains(v, "could not verify") {
		t.Errorf("view lacks the failure:\n%s", v)
	}
}

func TestAccountsRemove(t *testing.T) {
	for _, tc := range []struct {
		name    string
		used    bool
		role    Role
		answer  string
		gone    bool
		want    string // in the view or a toast
		audited bool
	}{
		{"refused while used", true, Admin, "y", false, `is used by "Onboard"`, false},
		{"removed when unused", false, Admin, "y", true, "Removed the account sandbox", true},
		{"kept when the answer is no", false, Admin, "n", false, "", false},
		{"viewer is refused", false, Viewer, "y", false, "read-only", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCommon(t)
			if tc.used {
				runsTestIntegration(t, c, "Onboard")
			}
			asRole(c, tc.role)
			s := acctOpen(t, c)
			var sc Screen = s
			sc, msgs := press(t, sc, "x")
			// An account in use is refused at once; an unused one is asked about.
			if asked := strings.Contains(asked(sc), "Remove the account"); tc.role == Admin && asked == tc.used {
				t.Errorf("asked %v for an account used=%v:\n%s", asked, tc.used, sc.View())
			}
			sc, more := press(t, sc, tc.answer)
			msgs = append(msgs, more...)
			_, err := eng(c).Store().Account("sandbox")
			if gone := err != nil; gone != tc.gone {
				t.Errorf("account gone %v, want %v (%v)", gone, tc.gone, err)
			}
			shown := ansi.Strip(sc.View())
			for _, m := range msgs {
				if tm, ok := m.(toastMsg); ok {
					shown += "\n" + tm.text
				}
			}
			if tc.want != "" && !strings.Contains(strings.Join(strings.Fields(shown), " "), tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, shown)
			}
			if got := acctAudited(t, c, "account.remove"); got != tc.audited {
				t.Errorf("audited %v, want %v", got, tc.audited)
			}
		})
	}
}

func TestAccountsKeys(t *testing.T) {
	c, _ := newTestCommon(t)
	s := acctOpen(t, c)
	for _, k := range []string{"a", "n"} {
		_, msgs := press(t, s, k)
		p, ok := hasMsg[pushMsg](msgs)
		if _, isForm := p.screen.(*accountForm); !ok || !isForm {
			t.Errorf("%s does not open the account form: %v", k, msgs)
		}
	}
	if _, msgs := press(t, s, "esc"); !runsPopped(msgs) {
		t.Errorf("esc does not go back: %v", msgs)
	}

	// A new account (from the form or elsewhere) shows up.
	if _, err := eng(c).CreateSandbox(c.Ctx, "play"); err != nil {
		t.Fatal(err)
	}
	sc, _ := runCmd(t, s, func() tea.Msg { return engineEventMsg{engine.Event{Kind: engine.AccountChanged}} })
	if v := sc.View(); len(s.rows) != 2 || !strings.Contains(v, "play") {
		t.Errorf("after AccountChanged: %d rows\n%s", len(s.rows), v)
	}
	sc, _ = press(t, sc, "home")
	for s.rows[s.cursor].a.Name != "play" {
		if s.cursor == len(s.rows)-1 {
			t.Fatal("play is not listed")
		}
		sc, _ = press(t, sc, "down")
	}
	if v := ansi.Strip(sc.View()); !strings.Contains(v, "sandbox org: simulated on this machine") {
		t.Errorf("the sandbox kind is not explained:\n%s", v)
	}

	asRole(c, Viewer)
	for _, k := range []string{"a", "v", "ctrl+f", "x"} {
		_, msgs := press(t, s, k)
		if m, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(m.text, "read-only") {
			t.Errorf("viewer %s: %v", k, msgs)
		}
	}
}
