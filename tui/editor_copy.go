package tui

import (
	"encoding/json"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
)

// curl is a ready command that calls the integration's webhook with its
// own sample (the latest event, or a starter one of the trigger's type).
func (e *editor) curl(secret string) string {
	body := `{"email":"ada@acme.com","first_name":"Ada","last_name":"Lovelace"}`
	if raw, err := json.Marshal(e.d.sample); err == nil && e.d.sample != nil {
		body = string(raw)
	}
	return "curl -X POST \\\n  " + hookURL(e.c, e.d.in.ID) + " \\\n  -H 'Authorization: Bearer " + secret + "' \\\n" +
		"  -H 'Content-Type: application/json' \\\n  -d '" + body + "'"
}

// copiedMsg carries text for the terminal's clipboard.
type copiedMsg struct {
	text, what string
	err        error
}

// copyKey copies the webhook's URL (u), its curl command with the secret
// (c) or the secret (y) to the clipboard with OSC 52, which works over SSH
// too. Reading the secret goes through the backend (audited; an admin's).
func (e *editor) copyKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := e.c.Keys
	if !key.Matches(msg, k.CopyURL, k.CopyCurl, k.CopySecret) {
		return nil, false
	}
	if e.d.in.Trigger.Type != trigger.Webhook || e.d.in.ID == "" || e.cursor != 0 {
		return toast("Copy works on a saved webhook trigger: select it (the trigger), save first if it is new"), true
	}
	if key.Matches(msg, k.CopyURL) {
		url := hookURL(e.c, e.d.in.ID)
		return func() tea.Msg { return copiedMsg{text: url, what: "the webhook URL"} }, true
	}
	canSee, _ := e.c.can(engine.OpRevealSecret)
	if key.Matches(msg, k.CopySecret) && !canSee {
		return e.c.disabled(engine.OpRevealSecret), true
	}
	if !canSee { // a viewer's curl names the secret to fill in
		text := e.curl("<secret>")
		return func() tea.Msg { return copiedMsg{text: text, what: "the curl command (put the secret in)"} }, true
	}
	b, id, curlOf := e.c.Backend, e.d.in.ID, e.curl
	wantSecret := key.Matches(msg, k.CopySecret)
	return func() tea.Msg {
		sec, err := b.RevealSecret(id, "secret")
		if fail, _ := outcome(err); fail != nil {
			return copiedMsg{err: fail}
		}
		if wantSecret {
			return copiedMsg{text: sec.Reveal(), what: "the webhook's secret"}
		}
		return copiedMsg{text: curlOf(sec.Reveal()), what: "the curl command (with the secret)"}
	}, true
}

// onCopied puts the text on the clipboard and says so.
func onCopied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		return func() tea.Msg { return errMsg{msg.err} }
	}
	return tea.Batch(tea.SetClipboard(msg.text), toast("Copied "+msg.what+" to the clipboard"))
}
