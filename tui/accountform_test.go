package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/oktaflow/oktaflow/storage"
)

// afRecorder stands in for the screen under the form: it records what the
// form's commands deliver after they pop it.
type afRecorder struct {
	Screen
	got []tea.Msg
}

func (r *afRecorder) Update(msg tea.Msg) (Screen, tea.Cmd) {
	r.got = append(r.got, msg)
	next, cmd := r.Screen.Update(msg)
	r.Screen = next
	return r, cmd
}

// settleForm runs what a key returned as far as the form's own messages go
// (huh moves focus and updates descriptions by messages): commands that do
// not answer at once are timers (a cursor's blink) and are dropped.
func settleForm(s Screen, cmd tea.Cmd) Screen {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 200; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(20 * time.Millisecond):
			continue
		}
		switch m := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, m...)
			continue
		}
		if !forForm(msg) {
			continue // a sequence, or a message for the app: not the form's
		}
		var next tea.Cmd
		s, next = s.Update(msg)
		queue = append(queue, next)
	}
	return s
}

// afKeys sends keys ("tab") or text to the form, letting it settle.
func afKeys(s Screen, keys ...string) Screen {
	for _, k := range keys {
		if len([]rune(k)) > 1 && keyMsg(k).Text == "" {
			next, cmd := s.Update(keyMsg(k))
			s = settleForm(next, cmd)
			continue
		}
		for _, r := range k {
			next, cmd := s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			s = settleForm(next, cmd)
		}
	}
	return s
}

// afFill picks the first kind (an API token) and types its three fields.
func afFill(s Screen, name, domain, token string) Screen {
	return afKeys(s, "enter", domain, "tab", token, "tab", name)
}

func TestAccountFormAuthenticate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		typedName  string
		token      func(token string) string
		submit     string
		wantPop    bool
		wantInView []string
		account    string // stored under this name
	}{
		{
			name: "a wrong token shows Okta's error and keeps what was typed", typedName: "acme",
			token:  func(string) string { return "wrong-token" },
			submit: "enter", wantInView: []string{"E0000011", "acme", "127.0.0.1"},
		},
		{
			name: "a good token adds the account", typedName: "acme", token: func(tok string) string { return tok },
			submit: "enter", wantPop: true, account: "acme",
		},
		{
			name: "an empty name takes the suggestion", token: func(tok string) string { return tok },
			submit: "ctrl+s", wantPop: true, account: "local",
		},
		{
			name: "a taken name is refused under the name", typedName: "sandbox", token: func(tok string) string { return tok },
			submit: "ctrl+s", wantInView: []string{"exists already"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, sim := newTestCommon(t)
			form := newAccountForm(c)
			if !form.Capturing() {
				t.Error("the form does not capture keys")
			}
			// The recorder sees every message the form gets; in the app,
			// what follows the pop reaches the screen below instead.
			rec := &afRecorder{Screen: form}
			var s Screen = afFill(rec, tc.typedName, sim.URL, tc.token(sim.Token))
			next, cmd := s.Update(keyMsg(tc.submit))
			busy := func(s Screen) bool { return strings.Contains(s.View(), "Authenticating with 127.0.0.1") }
			rest := cmd
			if !busy(next) { // enter: the form ends first, after huh's own messages
				next, _, rest = runCmdUntil(t, next, cmd, busy)
			}
			if !busy(next) {
				t.Fatalf("no progress shown:\n%s", next.View())
			}
			next, msgs := runCmd(t, next, rest)
			popped := runsPopped(msgs)
			if popped != tc.wantPop {
				t.Fatalf("popped %v, want %v (msgs %v)\n%s", popped, tc.wantPop, msgs, next.View())
			}
			v := ansi.Strip(next.View())
			for _, w := range tc.wantInView {
				if !strings.Contains(v, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			if strings.Contains(v, sim.Token) {
				t.Error("the token shows in clear")
			}
			if !popped {
				runsFits(t, next.View(), c.Width, c.Height)
				if got := form.(*accountForm).v.token; got != tc.token(sim.Token) {
					t.Errorf("the token was lost: %q", got)
				}
				if list, _ := eng(c).Store().Accounts(); len(list) != 1 {
					t.Errorf("%d accounts stored after a refusal", len(list))
				}
				return
			}
			var saved accountSavedMsg
			for _, m := range rec.got {
				if sm, ok := m.(accountSavedMsg); ok {
					saved = sm
				}
			}
			a, err := eng(c).Store().Account(tc.account)
			if err != nil {
				t.Fatalf("account %q not stored: %v", tc.account, err)
			}
			if a.VerifiedAs != "admin@example.com" || saved.account.Name != tc.account || a.OrgURL != sim.URL {
				t.Errorf("stored %+v, delivered %+v", a, saved)
			}
			if m, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(m.text, "Authenticated as admin@example.com") {
				t.Errorf("no toast: %v", msgs)
			}
			if !acctAudited(t, c, "account.add") {
				t.Error("not audited")
			}
		})
	}
}

func TestAccountFormEscape(t *testing.T) {
	c, _ := newTestCommon(t)

	// Nothing typed: esc leaves at once.
	if _, msgs := press(t, newAccountForm(c), "esc"); !runsPopped(msgs) {
		t.Errorf("esc on an empty form: %v", msgs)
	}

	// Something typed: esc asks; n keeps the form and what was typed; y leaves.
	s := afKeys(newAccountForm(c), "enter", "acme.okta.com")
	s, msgs := press(t, s, "esc")
	if runsPopped(msgs) || !strings.Contains(asked(s), "Discard") {
		t.Fatalf("esc with text does not ask:\n%s", s.View())
	}
	s, _ = press(t, s, "n")
	if got := s.(*accountForm).v.domain; got != "acme.okta.com" {
		t.Errorf("after n the domain is %q", got)
	}
	s, _ = press(t, s, "esc")
	if _, msgs = press(t, s, "y"); !runsPopped(msgs) {
		t.Errorf("y does not leave: %v", msgs)
	}
}

func TestAccountFormFields(t *testing.T) {
	c, _ := newTestCommon(t)
	s := newAccountForm(c)

	// The domain is checked by the engine as it is typed.
	s = afKeys(s, "enter", "https://acme.okta.com/app")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "has a path") {
		t.Errorf("the domain's problem is not shown as typed:\n%s", v)
	}
	s = afKeys(s, "backspace", "backspace", "backspace", "backspace")
	if v := ansi.Strip(s.View()); strings.Contains(v, "✗") || !strings.Contains(v, "→ https://acme.okta.com") {
		t.Errorf("a good domain does not say the org URL it means:\n%s", v)
	}

	// The token is masked (pasted, as tokens usually are); ctrl+v reveals it.
	s = afKeys(s, "tab")
	s, _ = s.Update(tea.PasteMsg{Content: "00secretvalue"})
	if v := s.View(); strings.Contains(v, "00secretvalue") {
		t.Errorf("the token shows while masked:\n%s", v)
	}
	s = afKeys(s, "ctrl+v")
	if v := s.View(); !strings.Contains(v, "00secretvalue") {
		t.Errorf("ctrl+v does not reveal the token:\n%s", v)
	}

	// The name's placeholder follows the domain; a bad name is refused.
	s = afKeys(s, "tab")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "acme") {
		t.Errorf("no name suggestion:\n%s", v)
	}
	s = afKeys(s, "my org", "enter")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "may hold only letters") {
		t.Errorf("a bad name is not refused:\n%s", v)
	}
	runsFits(t, s.View(), c.Width, c.Height)

	for _, tc := range []struct{ domain, want string }{
		{"acme.okta.com", "acme"},
		{"https://dev-123456.oktapreview.com/", "dev-123456"},
		{"http://127.0.0.1:8080", "local"},
		{"login.example.co.uk", "login"},
		{"acme-admin.okta.com", ""},
	} {
		if got := suggestedName(tc.domain); got != tc.want {
			t.Errorf("suggestedName(%q) = %q, want %q", tc.domain, got, tc.want)
		}
	}
}

// Each kind of account asks the engine for what it needs, the secrets
// sealed as storage.Secret: an API token, an OAuth service app, a Kissflow
// account (opened from a Kissflow step's picker, the form starts on it).
func TestAccountFormKinds(t *testing.T) {
	c, _ := newTestCommon(t)
	s := afKeys(newAccountForm(c), "down", "enter").(*accountForm) // the second kind: OAuth
	if s.v.kind != kindOAuth || !strings.Contains(ansi.Strip(s.View()), "Client ID") {
		t.Fatalf("not the OAuth page:\n%s", ansi.Strip(s.View()))
	}
	s.v.domain, s.v.clientID, s.v.privateKey, s.v.scopes = "acme.okta.com", "0oa1app", "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----", []string{"okta.users.manage"}
	in, where, err := s.input()
	if err != nil || in.Auth != storage.AuthOAuth || in.ClientID != "0oa1app" || in.PrivateKey.Reveal() != s.v.privateKey ||
		in.Name != "acme" || where != "https://acme.okta.com" || len(in.Scopes) != 1 {
		t.Errorf("oauth input %+v %q %v", in, where, err)
	}

	k := newAccountFormOf(c, kindKissflow).(*accountForm)
	if v := ansi.Strip(k.View()); !strings.Contains(v, "Connect a Kissflow account") || strings.Contains(v, "What do you connect?") {
		t.Fatalf("not on the Kissflow page:\n%s", v)
	}
	k = afKeys(k, "acme").(*accountForm)
	if v := ansi.Strip(k.View()); !strings.Contains(v, "→ https://acme.kissflow.com") {
		t.Errorf("the host is not resolved as typed:\n%s", v)
	}
	k.v.kfAccount, k.v.kfKey, k.v.kfSecret = "AcX1", "key1", "s3cret"
	in, where, err = k.input()
	if err != nil || in.Kind != storage.AccountKissflow || in.KissflowAccountID != "AcX1" || in.AccessKeySecret.Reveal() != "s3cret" ||
		in.Name != "acme-kissflow" || where != "https://acme.kissflow.com" {
		t.Errorf("kissflow input %+v %q %v", in, where, err)
	}
}
