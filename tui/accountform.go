package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// accountSavedMsg tells the screen under the account form that an account
// was added (the form has popped itself by then).
type accountSavedMsg struct{ account storage.Account }

// accountForm connects an account of one of three kinds, in a huh form:
// an Okta org with an API token, an Okta org as an OAuth 2.0 service app
// (client id, private key, scopes), or a Kissflow account (host, region,
// account id, access key). The first page picks the kind (skipped when the
// screen below needs a Kissflow account, say); what is typed is checked by
// the engine as it is typed, and verified with the service before anything
// is saved (accountkinds.go builds each kind's page).
type accountForm struct {
	c       *Common
	v       *accountValues // what the form's fields are bound to
	form    *widget.Form
	secrets []*widget.TextField // masked until ctrl+v
	shown   bool                // the secrets are shown
	scopes  []engine.ScopeNeed  // the OAuth scopes to offer (OAuthScopes)
	busy    widget.Busy
	cancel  context.CancelFunc // stops the running check
	problem error              // the service's answer (or why it could not be asked)
	done    *storage.Account
	confirm *widget.Confirm
	w, h    int
}

// Account kinds, as the form's first page names them.
const (
	kindToken    = "token"
	kindOAuth    = "oauth"
	kindKissflow = "kissflow"
)

// accountValues are the form's inputs, for every kind.
type accountValues struct {
	kind                               string
	domain, token, name                string
	clientID, keyID, privateKey        string
	scopes                             []string
	kfHost, kfRegion, kfAccount, kfKey string
	kfSecret                           string
	kindChosen                         bool // the first page was answered (or skipped)
}

// acctAddedMsg answers an Authenticate.
type acctAddedMsg struct {
	account   storage.Account
	err, warn error
}

// acctScopesMsg carries the scopes an OAuth account can be given.
type acctScopesMsg struct {
	scopes []engine.ScopeNeed
	err    error
}

func newAccountForm(c *Common) Screen { return newAccountFormOf(c, "") }

// newAccountFormOf opens the form on a kind ("": the first page asks).
func newAccountFormOf(c *Common, kind string) Screen {
	v := &accountValues{kind: kind, kfRegion: "com", kindChosen: kind != ""}
	if kind == "" {
		v.kind = kindToken
	}
	s := &accountForm{c: c, v: v, busy: widget.NewBusy(c.Styles.Styles), w: c.Width, h: c.Height}
	s.build("")
	return s
}

// build makes the huh form over s.v (so nothing typed is lost when it is
// rebuilt after a refusal) with the focus on the input named focus ("":
// the first).
func (s *accountForm) build(focus string) tea.Cmd {
	st := s.c.Styles.Styles
	s.secrets = nil
	kindPage := huh.NewGroup(huh.NewSelect[string]().Key("kind").Title("What do you connect?").
		Options(
			huh.NewOption("An Okta org, with an API token (SSWS)", kindToken),
			huh.NewOption("An Okta org, as an OAuth 2.0 service app (private key, scopes)", kindOAuth),
			huh.NewOption("A Kissflow account (an access key)", kindKissflow)).
		Value(&s.v.kind)).WithHideFunc(func() bool { return s.v.kindChosen })
	pages := []*huh.Group{kindPage,
		s.tokenPage(st).WithHideFunc(func() bool { return s.v.kind != kindToken }),
		s.oauthPage(st).WithHideFunc(func() bool { return s.v.kind != kindOAuth }),
		s.kissflowPage(st).WithHideFunc(func() bool { return s.v.kind != kindKissflow }),
	}
	if focus != "" {
		s.v.kindChosen = true
	}
	if s.v.kindChosen { // only the kind's page: a hidden first page would move on by a message, late
		pages = pages[1+slices.Index([]string{kindToken, kindOAuth, kindKissflow}, s.v.kind):][:1]
		pages[0].WithHideFunc(nil)
	}
	s.form = widget.NewForm(st, s.w, s.formHeight(), pages...)
	cmd := s.form.Init()
	if focus != "" { // at the input to fix
		for _, f := range s.fieldsOf(s.v.kind) {
			if f == focus {
				break
			}
			s.form.NextField()
		}
	}
	for _, f := range s.secrets {
		f.SetSecret(!s.shown)
	}
	return cmd
}

// domainNote is the line under the domain as it is typed: the org URL it
// means, or what is wrong with it (the engine's own check).
func domainNote(domain string) (string, bool) {
	if strings.TrimSpace(domain) == "" {
		return "your org's domain: acme.okta.com, or https://acme.oktapreview.com", false
	}
	d, err := engine.CheckOrgDomain(domain)
	if err != nil {
		return "✗ " + err.Error(), true
	}
	return "→ " + d.OrgURL, false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// suggestedName is the name used when none is typed: the first label of
// the domain ("acme" for acme.okta.com), "local" for a loopback org.
func suggestedName(domain string) string {
	d, err := engine.CheckOrgDomain(domain)
	if err != nil {
		return ""
	}
	host := acctHost(d.OrgURL)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || net.ParseIP(host) != nil {
		return "local"
	}
	label, _, _ := strings.Cut(host, ".")
	var b strings.Builder
	for _, r := range label {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// Init asks which scopes an OAuth account can be given.
func (s *accountForm) Init() tea.Cmd {
	b := s.c.Backend
	return func() tea.Msg {
		scopes, err := b.OAuthScopes("")
		return acctScopesMsg{scopes, err}
	}
}
func (s *accountForm) Title() string           { return "Add an account" }
func (s *accountForm) Capturing() bool         { return true }
func (s *accountForm) Prompt() *widget.Confirm { return s.confirm }

func (s *accountForm) SetSize(w, h int) {
	s.w, s.h = w, h
	s.form.SetSize(w, s.formHeight())
	if s.confirm != nil {
		s.confirm.SetWidth(w)
	}
}

// formHeight is what the form may use below the title and above the note.
func (s *accountForm) formHeight() int { return max(s.h-6, 8) }

func (s *accountForm) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.busy.Active() {
		return []key.Binding{withHelp(k.Back, "cancel")}
	}
	return []key.Binding{k.Next, withHelp(k.Reveal, "show secrets"), withHelp(k.Save, "authenticate"), k.Back}
}

func (s *accountForm) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Next, k.Prev, withHelp(k.Enter, "next field / authenticate"), withHelp(k.Save, "authenticate")},
		{withHelp(k.Reveal, "show/hide the token"), withHelp(k.Back, "back without saving")},
	}
}

// typed reports whether anything was typed (so that leaving asks first).
func (s *accountForm) typed() bool {
	v := s.v
	return v.domain+v.token+v.name+v.clientID+v.keyID+v.privateKey+v.kfHost+v.kfAccount+v.kfKey+v.kfSecret != ""
}

func (s *accountForm) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := s.busy.Update(msg); ok {
		return s, cmd
	}
	if ok, cmd := answer(&s.confirm, msg); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case acctAddedMsg:
		return s, s.onAdded(msg)
	case acctScopesMsg:
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{fmt.Errorf("read the scopes to offer: %w", msg.err)} }
		}
		s.scopes = msg.scopes
		if !s.typed() { // the OAuth page gets its choices (nothing typed is lost)
			return s, s.build("")
		}
		return s, nil
	case tea.KeyPressMsg:
		if cmd, done := s.onKey(msg); done {
			return s, cmd
		}
	}
	if s.busy.Active() || s.done != nil || !forForm(msg) {
		return s, nil
	}
	cmd := s.form.Update(msg)
	if f := s.form.GetFocusedField(); f != nil && f.GetKey() != "kind" {
		s.v.kindChosen = true // past the first page: the title names the kind
	}
	if s.form.Done() { // enter on the last field: authenticate
		return s, tea.Batch(cmd, s.submit())
	}
	return s, cmd
}

// onKey handles the keys the form does not: it reports whether msg was one.
func (s *accountForm) onKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := s.c.Keys
	switch {
	case s.done != nil:
		return nil, true
	case s.busy.Active():
		if key.Matches(msg, k.Back) && s.cancel != nil {
			s.cancel()
		}
		return nil, true
	case key.Matches(msg, k.Back):
		if s.typed() {
			s.confirm = ask(s.c, "Discard this account? Nothing was saved.", pop, nil)
			return nil, true
		}
		return pop, true
	case key.Matches(msg, k.Save):
		return s.submit(), true
	case key.Matches(msg, k.Reveal):
		s.shown = !s.shown
		for _, f := range s.secrets {
			f.SetSecret(!s.shown)
		}
		s.form.Refresh()
		return nil, true
	}
	return nil, false
}

// submit checks what was typed and asks Okta who the token is.
func (s *accountForm) submit() tea.Cmd {
	if cmd := s.c.disabled(engine.OpAccounts); cmd != nil {
		return cmd
	}
	s.problem = nil
	in, where, err := s.input()
	if err != nil {
		return s.refused(err)
	}
	ctx, cancel := context.WithCancel(s.c.Ctx)
	s.cancel = cancel
	start := s.busy.Start("Authenticating with " + acctHost(where) + "…")
	b := s.c.Backend
	return tea.Batch(start, func() tea.Msg {
		defer cancel()
		a, err := b.AddAccount(ctx, in)
		fail, warn := outcome(err)
		if fail != nil && ctx.Err() != nil {
			fail = errors.New("cancelled: nothing was saved")
		}
		return acctAddedMsg{account: a, err: fail, warn: warn}
	})
}

// refused shows a problem under the form and puts the focus on the input
// the engine says it is about (the form is rebuilt: huh forms end on
// submit; the values are kept).
func (s *accountForm) refused(err error) tea.Cmd {
	s.problem = err
	focus := engine.AccountErrorField(err)
	if focus == "" { // not about one input (the service could not be reached): the first
		focus = s.fieldsOf(s.v.kind)[0]
	}
	return s.build(focus)
}

func (s *accountForm) onAdded(msg acctAddedMsg) tea.Cmd {
	s.busy.Stop()
	s.cancel = nil
	if msg.err != nil {
		return s.refused(msg.err)
	}
	a := msg.account
	s.done = &a
	return tea.Sequence(pop, func() tea.Msg { return accountSavedMsg{a} },
		toast("✓ Authenticated as "+a.VerifiedAs+" ("+a.Name+")"), warnCmd(msg.warn))
}

func (s *accountForm) View() string {
	st := s.c.Styles
	var b strings.Builder
	title := "Connect an account"
	switch {
	case !s.v.kindChosen:
	case s.v.kind == kindKissflow:
		title = "Connect a Kissflow account"
	default:
		title = "Connect an Okta org"
	}
	b.WriteString(truncate(st.Section.Render(title)+
		st.Faint.Render("  · checked with the service before anything is saved"), s.w) + "\n\n")
	b.WriteString(s.form.View() + "\n\n")
	switch {
	case s.done != nil:
		b.WriteString(st.OKText.Render(truncate("✓ Authenticated as "+s.done.VerifiedAs, s.w)))
	case s.busy.Active():
		b.WriteString(truncate(s.busy.View(), s.w) + st.Faint.Render("  (esc cancels)"))
	case s.problem != nil:
		b.WriteString(st.ErrorText.Render(strings.TrimRight(wrap("✗ "+s.problem.Error(), min(s.w, 100)), " \n")))
	default:
		b.WriteString(st.Faint.Render(truncate("enter on the last field or ctrl+s authenticates", s.w)))
	}
	return b.String()
}
