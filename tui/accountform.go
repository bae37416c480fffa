package tui

import (
	"context"
	"errors"
	"net"
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

// accountForm connects an Okta org: the org's domain, an API token and a
// name, in a huh form. The domain is checked by the engine as it is typed
// (the line under it says what is wrong, or the org URL it means); the
// token is checked with Okta before anything is saved.
type accountForm struct {
	c       *Common
	v       accountValues // what the form's fields are bound to
	form    *widget.Form
	token   *widget.TextField // masked until ctrl+v
	shown   bool              // the token is shown
	busy    widget.Busy
	cancel  context.CancelFunc // stops the running check
	problem error              // Okta's answer (or why it could not be asked)
	done    *storage.Account
	confirm *widget.Confirm
	w, h    int
}

// accountValues are the form's inputs.
type accountValues struct {
	domain, token, name string
}

// acctAddedMsg answers an Authenticate.
type acctAddedMsg struct {
	account   storage.Account
	err, warn error
}

// accountFields is the order of the form's inputs, by the engine's names
// (AccountErrorField says which one a problem is about).
var accountFields = []string{engine.FieldDomain, engine.FieldToken, engine.FieldName}

func newAccountForm(c *Common) Screen {
	s := &accountForm{c: c, busy: widget.NewBusy(c.Styles.Styles), w: c.Width, h: c.Height}
	s.build(engine.FieldDomain)
	return s
}

// build makes the huh form over s.v (so nothing typed is lost when it is
// rebuilt after Okta refused) with the focus on the input named focus.
func (s *accountForm) build(focus string) tea.Cmd {
	v, st := &s.v, s.c.Styles.Styles
	s.token = widget.NewTextField(st, "API token", &v.token).Key(engine.FieldToken).Secret().
		Description("Admin Console → Security → API → Tokens; paste it without \"SSWS\" · ctrl+v shows it").
		Validate(func(t string) error {
			if strings.TrimSpace(t) == "" {
				return errors.New("paste the API token (Okta shows it once, when it is created)")
			}
			return nil
		})
	s.token.SetSecret(!s.shown)
	s.form = widget.NewForm(st, s.w, s.formHeight(), huh.NewGroup(
		widget.NewTextField(st, "Okta domain", &v.domain).Key(engine.FieldDomain).Placeholder("acme.okta.com").
			Note(domainNote).
			Validate(func(d string) error {
				if strings.TrimSpace(d) == "" {
					return errors.New("type your org's domain, e.g. acme.okta.com")
				}
				_, err := engine.CheckOrgDomain(d)
				return err
			}),
		s.token,
		widget.NewTextField(st, "Name", &v.name).Key(engine.FieldName).
			PlaceholderFunc(func() string { return orDefault(suggestedName(v.domain), "acme") }).
			Description("what steps call this account; left empty, the name shown is used").
			Validate(func(n string) error {
				if strings.TrimSpace(n) == "" {
					return nil
				}
				return storage.ValidateName(strings.TrimSpace(n))
			}),
	))
	cmd := s.form.Init()
	for _, f := range accountFields {
		if f == focus {
			break
		}
		s.form.NextField()
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

func (s *accountForm) Init() tea.Cmd   { return nil }
func (s *accountForm) Title() string   { return "Add an account" }
func (s *accountForm) Capturing() bool { return true }

func (s *accountForm) SetSize(w, h int) {
	s.w, s.h = w, h
	s.form.SetSize(w, s.formHeight())
	if s.confirm != nil {
		s.confirm.SetWidth(w)
	}
}

// formHeight is what the form may use below the title and above the note.
func (s *accountForm) formHeight() int { return max(s.h-4, 8) }

func (s *accountForm) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.busy.Active() {
		return []key.Binding{withHelp(k.Back, "cancel")}
	}
	return []key.Binding{k.Next, withHelp(k.Reveal, "show token"), withHelp(k.Save, "authenticate"), k.Back}
}

func (s *accountForm) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Next, k.Prev, withHelp(k.Enter, "next field / authenticate"), withHelp(k.Save, "authenticate")},
		{withHelp(k.Reveal, "show/hide the token"), withHelp(k.Back, "back without saving")},
	}
}

// typed reports whether anything was typed (so that leaving asks first).
func (s *accountForm) typed() bool { return s.v != accountValues{} }

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
	case tea.KeyPressMsg:
		if cmd, done := s.onKey(msg); done {
			return s, cmd
		}
	}
	if s.busy.Active() || s.done != nil || !forForm(msg) {
		return s, nil
	}
	cmd := s.form.Update(msg)
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
		s.token.SetSecret(!s.shown)
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
	v := s.v
	d, err := engine.CheckOrgDomain(v.domain)
	if err != nil {
		return s.refused(err)
	}
	if strings.TrimSpace(v.token) == "" {
		return s.refused(&engine.AccountError{Field: engine.FieldToken, Msg: "paste the API token first"})
	}
	name := strings.TrimSpace(v.name)
	if name == "" {
		name = suggestedName(v.domain)
	}
	in := engine.AccountInput{Name: name, Domain: v.domain, Token: storage.Secret(strings.TrimSpace(v.token)),
		AllowHTTP: d.AllowHTTP, Kind: storage.AccountOkta}
	ctx, cancel := context.WithCancel(s.c.Ctx)
	s.cancel = cancel
	start := s.busy.Start("Authenticating with " + acctHost(d.OrgURL) + "…")
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
	if focus == "" {
		focus = engine.FieldToken
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
	b.WriteString(truncate(st.Section.Render("Connect an Okta org")+
		st.Faint.Render("  · the token is checked before anything is saved"), s.w) + "\n\n")
	b.WriteString(s.form.View() + "\n\n")
	switch {
	case s.done != nil:
		b.WriteString(st.OKText.Render(truncate("✓ Authenticated as "+s.done.VerifiedAs, s.w)))
	case s.busy.Active():
		b.WriteString(truncate(s.busy.View(), s.w) + st.Faint.Render("  (esc cancels)"))
	case s.confirm != nil:
		b.WriteString(s.confirm.View())
	case s.problem != nil:
		b.WriteString(st.ErrorText.Render(strings.TrimRight(wrap("✗ "+s.problem.Error(), min(s.w, 100)), " \n")))
	default:
		b.WriteString(st.Faint.Render(truncate("enter on the last field or ctrl+s authenticates", s.w)))
	}
	return b.String()
}
