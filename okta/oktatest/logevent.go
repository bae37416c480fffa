package oktatest

import (
	"strconv"
	"time"
)

// logEvent is one System Log event, as the simulator records it; render
// gives it the LogEvent shape (SPEC LogEvent, okta-api.md §8).
type logEvent struct {
	Seq        int64       `json:"seq"` // persistence order, the polling cursor
	UUID       string      `json:"uuid"`
	Published  time.Time   `json:"published"`
	EventType  string      `json:"eventType"`
	Actor      logTarget   `json:"actor"`
	Targets    []logTarget `json:"target"`
	ClientIP   string      `json:"clientIp,omitempty"`
	UserAgent  string      `json:"userAgent,omitempty"`
	RequestID  string      `json:"requestId,omitempty"`
	RequestURI string      `json:"requestUri,omitempty"`
	URL        string      `json:"url,omitempty"`
}

// logTarget is an actor or target of an event.
type logTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

func userTarget(u *user) logTarget {
	return logTarget{ID: u.ID, Type: "User", AlternateID: u.login(), DisplayName: u.displayName()}
}

func groupTarget(g *group) logTarget {
	return logTarget{ID: g.ID, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.Name}
}

// eventInfo gives an event type's displayMessage and legacyEventType ("" →
// null) as Okta writes them.
var eventInfo = map[string][2]string{
	"user.lifecycle.create":           {"Create Okta user", "core.user.config.user_creation.success"},
	"user.lifecycle.activate":         {"Activate Okta user", "core.user.config.user_activated"},
	"user.lifecycle.deactivate":       {"Deactivate Okta user", "core.user.config.user_deactivated"},
	"user.lifecycle.reactivate":       {"Reactivate Okta user", ""},
	"user.lifecycle.suspend":          {"Suspend Okta user", ""},
	"user.lifecycle.unsuspend":        {"Unsuspend Okta user", ""},
	"user.lifecycle.delete.initiated": {"Delete Okta user initiated", ""},
	"user.lifecycle.delete.completed": {"Delete Okta user completed", ""},
	"user.account.unlock":             {"Unlock user account", ""},
	"user.account.update_profile":     {"Update user profile for Okta", ""},
	"user.account.update_password":    {"Update password for user", "core.user.config.password_update.success"},
	"user.account.reset_password":     {"Reset password for user", "core.user.config.user_status.password_reset"},
	"user.account.expire_password":    {"Expire password for user", ""},
	"user.mfa.factor.reset_all":       {"Reset all factors for user", ""},
	"group.user_membership.add":       {"Add user to group membership", "core.user_group_member.user_add"},
	"group.user_membership.remove":    {"Remove user from group membership", "core.user_group_member.user_remove"},
	"group.lifecycle.create":          {"Create Okta group", ""},
	"group.lifecycle.delete":          {"Delete Okta group", ""},
}

// logEvent records an event done by the admin (the token's owner) at t. c
// is the request that caused it, nil for a direct change (AddUser).
func (o *Org) logEvent(c *call, t time.Time, eventType string, targets ...logTarget) {
	o.eventSeq++
	e := &logEvent{Seq: o.eventSeq, UUID: o.ids.uuid(), Published: t, EventType: eventType, Targets: targets}
	if c != nil && c.principal.client != nil {
		e.Actor = clientTarget(c.principal.client)
	} else if admin := o.byID[o.meta.AdminID]; admin != nil {
		e.Actor = userTarget(admin)
	}
	if c != nil {
		e.ClientIP = clientIP(c.r.RemoteAddr)
		e.UserAgent = c.r.UserAgent()
		e.RequestID = c.requestID
		e.RequestURI = c.r.URL.EscapedPath()
		e.URL = c.r.URL.RequestURI()
	}
	o.events = append(o.events, e)
	for _, target := range targets {
		o.index.record(o, target, t, c == nil)
	}
}

// clientIP is the host part of a remote address.
func clientIP(remote string) string {
	for i := len(remote) - 1; i >= 0; i-- {
		if remote[i] == ':' {
			return trimBrackets(remote[:i])
		}
	}
	return remote
}

func trimBrackets(s string) string {
	if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
		return s[1 : len(s)-1]
	}
	return s
}

// cursor is the event's position for `after`: "<published ms>_<seq>",
// like Okta's "1627500044869_1".
func (e *logEvent) cursor() string {
	return strconv.FormatInt(e.Published.UnixMilli(), 10) + "_" + strconv.FormatInt(e.Seq, 10)
}

// nullable renders "" as null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t logTarget) render() object {
	return object{{"id", t.ID}, {"type", t.Type}, {"alternateId", t.AlternateID}, {"displayName", t.DisplayName}, {"detailEntry", nil}}
}

// render is the LogEvent object, keys in the order Okta sends them.
func (o *Org) renderEvent(e *logEvent) object {
	info := eventInfo[e.EventType]
	targets := make([]object, len(e.Targets))
	for i, t := range e.Targets {
		targets[i] = t.render()
	}
	rawUA := nullable(e.UserAgent)
	ip := nullable(e.ClientIP)
	geo := object{{"city", nil}, {"state", nil}, {"country", nil}, {"postalCode", nil}, {"geolocation", object{{"lat", nil}, {"lon", nil}}}}
	var ipChain []object
	if e.ClientIP != "" {
		ipChain = append(ipChain, object{{"ip", e.ClientIP}, {"geographicalContext", nil}, {"version", ipVersion(e.ClientIP)}, {"source", nil}})
	}
	return object{
		{"actor", e.Actor.render()},
		{"client", object{
			{"userAgent", object{{"rawUserAgent", rawUA}, {"os", "Unknown"}, {"browser", "UNKNOWN"}}},
			{"zone", "null"},
			{"device", "Unknown"},
			{"id", nil},
			{"ipAddress", ip},
			{"geographicalContext", geo},
		}},
		{"device", nil},
		{"authenticationContext", object{
			{"authenticationProvider", nil}, {"credentialProvider", nil}, {"credentialType", nil},
			{"issuer", nil}, {"interface", nil}, {"authenticationStep", 0}, {"externalSessionId", "unknown"},
		}},
		{"displayMessage", nullable(info[0])},
		{"eventType", e.EventType},
		{"outcome", object{{"result", "SUCCESS"}, {"reason", nil}}},
		{"published", e.Published.UTC().Format("2006-01-02T15:04:05.000Z")},
		{"securityContext", object{{"asNumber", nil}, {"asOrg", nil}, {"isp", nil}, {"domain", nil}, {"isProxy", nil}}},
		{"severity", "INFO"},
		{"debugContext", object{{"debugData", object{
			{"requestId", nullable(e.RequestID)}, {"requestUri", nullable(e.RequestURI)}, {"url", nullable(e.URL)},
		}}}},
		{"legacyEventType", nullable(info[1])},
		{"transaction", object{{"type", "WEB"}, {"id", nullable(e.RequestID)}, {"detail", e.transactionDetail(o.meta.TokenID)}}},
		{"uuid", e.UUID},
		{"version", "0"},
		{"request", object{{"ipChain", orEmptyObjects(ipChain)}}},
		{"target", targets},
	}
}

// transactionDetail names the API token of a change made with one; a
// service app's changes carry none.
func (e *logEvent) transactionDetail(tokenID string) object {
	if e.Actor.Type == "PublicClientApp" {
		return object{}
	}
	return object{{"requestApiTokenId", tokenID}}
}

func ipVersion(ip string) string {
	for _, r := range ip {
		if r == ':' {
			return "V6"
		}
	}
	return "V4"
}

func orEmptyObjects(s []object) []object {
	if s == nil {
		return []object{}
	}
	return s
}
