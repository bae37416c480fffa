package tui

import (
	"fmt"
	"strings"

	"github.com/oktaflow/oktaflow/storage"
)

// acctColumns are the table's column widths; zero hides a column (the
// details under the table show it for the selected account).
type acctColumns struct{ name, kind, org, as, when, token, fields int }

func (s *accounts) columns() acctColumns {
	c := acctColumns{name: 14, when: 10}
	wide := s.w >= 120
	if wide {
		c.name, c.kind, c.when, c.token, c.fields = 16, 8, 12, 14, 20
	}
	fixed := 2 + c.name + 1 + c.when + 1
	for _, w := range []int{c.kind, c.token, c.fields} {
		if w > 0 {
			fixed += w + 1
		}
	}
	rest := max(s.w-fixed-2, 20)
	c.org = rest * 11 / 20
	c.as = rest - c.org
	return c
}

func (s *accounts) View() string {
	st := s.c.Styles
	if !s.loaded {
		return st.Faint.Render("Loading accounts…")
	}
	var lines []string
	if len(s.rows) == 0 {
		lines = append(lines, "", st.Title.Render("No Okta accounts yet."), "",
			wrap("An account is an Okta org (its domain) and an API token oktaflow acts with. Press a to add one: you need the org's domain (acme.okta.com) and an API token from the Admin Console (Security → API → Tokens).", min(s.w, 76)))
		return strings.Join(append(lines, s.footLines()...), "\n")
	}
	cols := s.columns()
	head := "  " + pad("NAME", cols.name) + " "
	if cols.kind > 0 {
		head += pad("KIND", cols.kind) + " "
	}
	head += pad("ORG URL", cols.org) + " " + pad("VERIFIED AS", cols.as) + " " + pad("VERIFIED", cols.when) + " "
	if cols.token > 0 {
		head += pad("TOKEN", cols.token) + " " + pad("FIELDS", cols.fields)
	}
	lines = append(lines, st.Label.Render(truncate(strings.TrimRight(head, " "), s.w)))
	detail := s.detail()
	foot := s.footLines()
	room := max(s.h-1-len(detail)-len(foot)-1, 1)
	start := 0
	if s.cursor >= room {
		start = s.cursor - room + 1
	}
	for i := start; i < len(s.rows) && i < start+room; i++ {
		lines = append(lines, s.rowView(i, cols))
	}
	lines = append(lines, "")
	lines = append(lines, detail...)
	lines = append(lines, foot...)
	return strings.Join(lines, "\n")
}

func (s *accounts) rowView(i int, cols acctColumns) string {
	st := s.c.Styles
	r := s.rows[i]
	marker, name := "  ", pad(r.a.Name, cols.name)
	if i == s.cursor {
		marker, name = st.Cursor.Render("▸ "), st.Selected.Render(name)
	}
	line := marker + name + " "
	if cols.kind > 0 {
		line += acctKindCell(st, r.a.Kind, cols.kind) + " "
	}
	as := pad(r.a.VerifiedAs, cols.as)
	if r.a.VerifiedAs == "" {
		as = st.WarnText.Render(pad("not verified", cols.as))
	}
	line += pad(r.a.OrgURL, cols.org) + " " + as + " " + st.Faint.Render(pad(ago(r.a.VerifiedAt), cols.when)) + " "
	if cols.token > 0 {
		line += st.Faint.Render(pad(string(r.a.Token), cols.token)) + " " + acctFieldsCell(st, r, cols.fields)
	}
	return truncate(line, s.w)
}

func acctKindCell(st *Styles, kind string, w int) string {
	if kind == storage.AccountSandbox {
		return st.Badge.Render(pad(kind, w))
	}
	if kind == "" {
		kind = storage.AccountOkta
	}
	return pad(kind, w)
}

func acctFieldsCell(st *Styles, r acctRow, w int) string {
	if r.schema == nil {
		return st.Faint.Render(pad("not fetched", w))
	}
	custom := 0
	for _, f := range r.schema.Fields {
		if f.Custom {
			custom++
		}
	}
	return pad(fmt.Sprintf("%d (%d custom)", len(r.schema.Fields), custom), w)
}

// detail describes the selected account in full.
func (s *accounts) detail() []string {
	st := s.c.Styles
	r := s.rows[s.cursor]
	a := r.a
	kind := "Okta org"
	if a.Kind == storage.AccountSandbox {
		kind = "sandbox org: simulated on this machine, nothing real is touched"
	}
	verified := st.WarnText.Render("not verified yet (press v)")
	if a.VerifiedAs != "" {
		verified = a.VerifiedAs + st.Faint.Render(" · checked "+ago(a.VerifiedAt))
	}
	fields := st.Faint.Render("not fetched yet (press ctrl+f)")
	if r.schema != nil {
		fields = acctFieldsNote(*r.schema, 8) + st.Faint.Render(" · fetched "+ago(r.schema.FetchedAt))
	}
	out := []string{
		st.Section.Render(a.Name) + st.Faint.Render("  "+kind),
		rdField(st, "Org URL", a.OrgURL, s.w),
		rdField(st, "Verified as", verified, s.w),
	}
	switch {
	case a.Kind == storage.AccountKissflow: // an access key, and no user schema
		out[0] = st.Section.Render(a.Name) + st.Faint.Render("  Kissflow account")
		if a.Sandbox {
			out[0] = st.Section.Render(a.Name) + st.Faint.Render("  Kissflow sandbox: simulated on this machine, nothing real is touched")
		}
		out[1] = rdField(st, "Host", a.OrgURL, s.w)
		out = append(out, rdField(st, "Access key", a.KissflowAccessKeyID+st.Faint.Render(" · secret "+string(a.Token)), s.w))
	case a.Auth == storage.AuthOAuth:
		out = append(out, rdField(st, "Service app", a.OAuthClientID+st.Faint.Render(" · scopes "+strings.Join(a.OAuthScopes, " ")), s.w),
			rdField(st, "User schema", fields, s.w))
	default:
		out = append(out, rdField(st, "API token", st.Faint.Render(string(a.Token)), s.w), rdField(st, "User schema", fields, s.w))
	}
	for i := range out {
		out[i] = truncate(strings.Split(out[i], "\n")[0], s.w)
	}
	if len(r.items) > 0 { // the items to complete (c) and the Okta ids written back
		out = append(out, st.Label.Render("Items")+st.Faint.Render("  c completes the next in progress"))
		for _, it := range r.items {
			okta := ""
			if it.OktaUserID != "" {
				okta = st.OKText.Render("  Okta " + it.OktaUserID)
			}
			out = append(out, truncate("  "+pad(it.Name, 18)+" "+pad(it.Status, 11)+" "+st.Faint.Render(it.ID)+okta, s.w))
		}
	}
	if len(r.people) > 0 { // names to test "Get user details" with
		out = append(out, st.Label.Render("Users to test with"))
		for _, p := range r.people {
			out = append(out, truncate("  "+pad(p.Name, 18)+" "+pad(p.Login, 32)+" "+st.Faint.Render(strings.ToLower(p.Status)), s.w))
		}
	}
	return out
}

// footLines are the running call, the question asked, or the last problem.
func (s *accounts) footLines() []string {
	st := s.c.Styles
	switch {
	case s.busy.Active():
		return []string{"", truncate(s.busy.View(), s.w)}
	case s.problem != nil:
		msg := strings.Split(wrap("✗ "+s.problem.Error(), min(s.w, 100)), "\n")
		for i := range msg {
			msg[i] = st.ErrorText.Render(strings.TrimRight(msg[i], " "))
		}
		return append([]string{""}, msg...)
	}
	return nil
}
