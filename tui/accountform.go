package tui

import (
	"github.com/oktaflow/oktaflow/tui/widget"

	"context"
	"errors"
	"net"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// accountSavedMsg tells the screen under the account form that an account
// was added (the form has popped itself by then).
type accountSavedMsg struct{ account storage.Account }

// accountForm connects an Okta org: a name, the org's domain and an API
// token, checked with Okta (GET /api/v1/users/me) before anything is saved.
type accountForm struct {
	c       *Common
	form    *form
	busy    string             // "Authenticating with acme.okta.com…" while the check runs
	cancel  context.CancelFunc // stops the running check
	problem error              // Okta's answer (or why it could not be asked)
	done    *storage.Account
	confirm *widget.Confirm
	spin    spinner.Model
	w, h    int
}

// acctAddedMsg answers an Authenticate.
type acctAddedMsg struct {
	account storage.Account
	err     error
}

func newAccountForm(c *Common) Screen {
	s := &accountForm{c: c}
	s.form = newForm(c,
		&formField{Key: "domain", Label: "Okta domain", Required: true,
			Help:     "your org's domain, e.g. acme.okta.com or https://acme.oktapreview.com",
			Validate: func(v string) error { _, err := okta.ParseOrgURL(v, true); return s.fieldErr(err) }},
		&formField{Key: "token", Label: "API token", Required: true, Secret: true,
			Help: "Admin Console → Security → API → Tokens; paste it without \"SSWS\""},
		&formField{Key: "name", Label: "Name",
			Help:     "what steps call this account; left empty, the suggestion shown is used",
			Validate: func(v string) error { return s.fieldErr(storage.ValidateName(v)) }},
	)
	s.form.field("domain").input.Placeholder = "acme.okta.com"
	// The name and the domain are checked as they are typed, not only once
	// the field is left.
	s.form.field("name").touched = true
	s.form.field("domain").touched = true
	s.afterEdit()
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(lipgloss.NewStyle().Foreground(c.Styles.Accent)))
	s.SetSize(c.Width, c.Height)
	return s
}

func (s *accountForm) Init() tea.Cmd   { return nil }
func (s *accountForm) Title() string   { return "Add an account" }
func (s *accountForm) Capturing() bool { return true }

func (s *accountForm) SetSize(w, h int) {
	s.w, s.h = w, h
	s.form.SetWidth(w)
}

func (s *accountForm) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.busy != "" {
		return []key.Binding{withHelp(k.Back, "cancel")}
	}
	return []key.Binding{k.Next, k.Reveal, withHelp(k.Save, "authenticate"), k.Back}
}

func (s *accountForm) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Next, k.Prev, withHelp(k.Enter, "next field / authenticate"), withHelp(k.Save, "authenticate")},
		{k.Reveal, withHelp(k.Back, "back without saving")},
	}
}

// suggestedName is the name used when none is typed: the first label of
// the domain ("acme" for acme.okta.com), "local" for a loopback org.
func (s *accountForm) suggestedName() string {
	orgURL, err := okta.ParseOrgURL(s.form.Value("domain"), true)
	if err != nil {
		return ""
	}
	host := acctHost(orgURL)
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

// fieldErr wraps an error's text to fit under a field of the form, which
// shows it after "  ✗ ".
func (s *accountForm) fieldErr(err error) error {
	if err == nil {
		return nil
	}
	text := ansi.Wrap(err.Error(), max(min(s.w, 80)-4, 20), " ")
	return errors.New(strings.ReplaceAll(text, "\n", "\n    "))
}

// typed reports whether anything was typed (so that leaving asks first).
func (s *accountForm) typed() bool {
	for _, k := range []string{"name", "domain", "token"} {
		if s.form.Value(k) != "" {
			return true
		}
	}
	return false
}

func (s *accountForm) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if ok, cmd := answer(&s.confirm, msg); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case acctAddedMsg:
		return s, s.onAdded(msg)
	case spinner.TickMsg:
		if s.busy == "" {
			return s, nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	case tea.PasteMsg:
		if s.busy != "" || s.done != nil {
			return s, nil
		}
		cmd := s.form.Update(msg)
		s.afterEdit()
		return s, cmd
	}
	return s, nil
}

func (s *accountForm) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case s.done != nil:
		return nil
	case s.busy != "":
		if key.Matches(msg, k.Back) && s.cancel != nil {
			s.cancel()
		}
		return nil
	case key.Matches(msg, k.Back):
		if s.typed() {
			s.confirm = ask(s.c, "Discard this account? Nothing was saved.", pop, nil)
			return nil
		}
		return pop
	case key.Matches(msg, k.Save):
		return s.submit()
	case key.Matches(msg, k.Enter):
		if s.form.focus == len(s.form.fields)-1 {
			return s.submit()
		}
		s.form.touch()
		return s.form.setFocus(s.form.focus + 1)
	case key.Matches(msg, k.Reveal):
		if ok, why := s.c.CanEdit(); !ok {
			return toast(why)
		}
	}
	cmd := s.form.Update(msg)
	s.afterEdit()
	return cmd
}

// afterEdit keeps the name's suggestion in step with the domain.
func (s *accountForm) afterEdit() {
	name := s.form.field("name")
	if sug := s.suggestedName(); sug != "" {
		name.input.Placeholder = sug
	} else {
		name.input.Placeholder = "acme"
	}
}

// submit checks the form and asks Okta who the token is.
func (s *accountForm) submit() tea.Cmd {
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why)
	}
	s.problem = nil
	if !s.form.Valid() {
		return nil
	}
	name := s.form.Value("name")
	if name == "" {
		name = s.suggestedName()
	}
	if err := storage.ValidateName(name); err != nil {
		s.form.SetError("name", s.fieldErr(err))
		s.form.focusKey("name")
		return nil
	}
	domain := s.form.Value("domain")
	orgURL, err := okta.ParseOrgURL(domain, true)
	if err != nil {
		s.form.SetError("domain", s.fieldErr(err))
		s.form.focusKey("domain")
		return nil
	}
	in := engine.AccountInput{Name: name, Domain: domain, Token: storage.Secret(s.form.Value("token")),
		AllowHTTP: strings.HasPrefix(orgURL, "http://"), Kind: storage.AccountOkta}
	ctx, cancel := context.WithCancel(s.c.Ctx)
	s.cancel = cancel
	s.busy = "Authenticating with " + acctHost(orgURL) + "…"
	e, who := s.c.Engine, s.c.Who
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		defer cancel()
		a, err := e.AddAccount(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				err = errors.New("cancelled: nothing was saved")
			}
			return acctAddedMsg{err: err}
		}
		e.Store().AddAudit(storage.AuditEntry{Who: who, Action: "account.add", Target: a.ID, Detail: a.Name + " " + a.OrgURL + " as " + a.VerifiedAs})
		return acctAddedMsg{account: a}
	})
}

func (s *accountForm) onAdded(msg acctAddedMsg) tea.Cmd {
	s.busy, s.cancel = "", nil
	if msg.err != nil {
		s.problem = msg.err
		switch {
		case errors.Is(msg.err, storage.ErrExists) || errors.Is(msg.err, storage.ErrInvalid):
			s.form.SetError("name", s.fieldErr(msg.err))
			s.form.focusKey("name")
		case strings.Contains(msg.err.Error(), "token"):
			s.form.focusKey("token")
		}
		return nil
	}
	a := msg.account
	s.done = &a
	return tea.Sequence(pop, func() tea.Msg { return accountSavedMsg{a} }, toast("✓ Authenticated as "+a.VerifiedAs+" ("+a.Name+")"))
}

func (s *accountForm) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(truncate(st.Section.Render("Connect an Okta org")+
		st.Faint.Render("  · the token is checked before anything is saved"), s.w) + "\n")
	if s.h >= 24 {
		b.WriteString("\n")
	}
	b.WriteString(s.form.View())
	switch {
	case s.done != nil:
		b.WriteString(st.OKText.Render(truncate("✓ Authenticated as "+s.done.VerifiedAs, s.w)))
	case s.busy != "":
		b.WriteString(truncate(s.spin.View()+" "+s.busy, s.w) + st.Faint.Render("  (esc cancels)"))
	case s.confirm != nil:
		b.WriteString(truncate(s.confirm.View(), s.w))
	case s.problem != nil:
		b.WriteString(st.ErrorText.Render(strings.TrimRight(wrap("✗ "+s.problem.Error(), min(s.w, 100)), " \n")))
	default:
		b.WriteString(st.Faint.Render(truncate("enter on the last field or ctrl+s authenticates", s.w)))
	}
	return b.String()
}
