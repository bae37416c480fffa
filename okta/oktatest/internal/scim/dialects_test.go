package scim

import "testing"

// TestDialects lists, per ready-made dialect, expressions Okta accepts and
// ones it rejects (shared/okta-api.md §2 and §8).
func TestDialects(t *testing.T) {
	tests := []struct {
		name   string
		d      Dialect
		accept []string
		reject []string
	}{
		{"UserSearch", UserSearch,
			[]string{
				`profile.lastName eq "Smith" and profile.firstName eq "TestAcc"`,
				`profile.email pr and profile.firstName eq "TestAcc" and profile.lastName eq "Jones"`,
				`profile.email sw "john_3352527563"`,
				`profile.lastName eq "Jones" or profile.lastName eq "One"`,
				`profile.array123 eq "feature" and (created gt "2021-01-01T00:00:00.000Z")`,
				`profile.firstName co "oh" or profile.lastName co "x" or profile.email co "@" or profile.login co "."`,
				`profile.costCenter eq "12" and profile.employeeLevel ge 3`,
				`id eq "00u1" or status eq "ACTIVE" or type.id eq "oty1"`,
				`created lt "2020-08-27T18:19:24.000Z" and activated ge "2020-08-27T18:19:24Z"`,
				`statusChanged pr and lastUpdated le "2020-08-27T18:19:24.123+02:00"`,
				`activated eq null`,
			},
			[]string{
				`profile.lastName ne "Smith"`,
				`profile.lastName ew "th"`,
				`not (status eq "ACTIVE")`,
				`profile.city co "Paris"`,
				`status co "ACT"`,
				`firstName eq "John"`,
				`credentials.provider.type eq "OKTA"`,
				`profile eq "x"`,
				`created gt "yesterday"`,
				`lastUpdated gt 5`,
			}},
		{"UserFilter", UserFilter,
			[]string{
				`status eq "ACTIVE"`,
				`status eq "SUSPENDED"`,
				`profile.lastName eq "Smith"`,
				`id eq "00u1" or profile.login eq "a@example.com" or profile.email eq "a@example.com" or profile.firstName eq "A"`,
				`lastUpdated gt "2013-06-01T00:00:00.000Z" and (lastUpdated lt "2013-07-01T00:00:00.000Z" or lastUpdated eq "2013-07-01T00:00:00Z")`,
				`status eq "ACTIVE" and lastUpdated ge "2013-06-01T00:00:00.000Z" and lastUpdated le "2014-06-01T00:00:00.000Z"`,
			},
			[]string{
				`status sw "ACT"`,
				`profile.email pr`,
				`status gt "A"`,
				`profile.city eq "Paris"`,
				`created gt "2013-06-01T00:00:00.000Z"`,
				`type.id eq "oty1"`,
				`not (status eq "ACTIVE")`,
				`status ne "ACTIVE"`,
				`lastUpdated gt "2013-06-01"`,
			}},
		{"GroupFilter", GroupFilter,
			[]string{
				`id eq "00g1emaKYZTWRYYRRTSK"`,
				`type eq "OKTA_GROUP"`,
				`type eq "OKTA_GROUP" and lastUpdated gt "2016-11-11T00:00:00.000Z"`,
				`type eq "OKTA_GROUP" and (lastUpdated lt "2015-11-11T00:00:00.000Z" or lastMembershipUpdated lt "2015-11-11T00:00:00.000Z")`,
			},
			[]string{
				`profile.name eq "foo"`, // okta/okta-sdk-java#593: 400 E0000031
				`type sw "OKTA"`,
				`id gt "00g"`,
				`created gt "2016-11-11T00:00:00.000Z"`,
				`not (type eq "BUILT_IN")`,
				`lastUpdated gt "2016-11-11"`,
			}},
		{"GroupSearch", GroupSearch,
			[]string{
				`type eq "APP_GROUP"`,
				`lastMembershipUpdated gt "2024-01-01T00:00:00.000Z"`,
				`id eq "00gak46y5hydV6NdM0g4"`,
				`profile.name eq "West Coast users"`,
				`profile.samAccountName sw "West Coast"`,
				`source.id eq "0oa2v0el0gP90aqjJ0g7"`,
				`type eq "APP_GROUP" and (created lt "2014-01-01T00:00:00.000Z" and source.id eq "0oa2v0el0gP90aqjJ0g7")`,
				`profile.name co "Coast" or profile.description co "west"`,
			},
			[]string{
				`profile.samAccountName co "West"`,
				`type ne "APP_GROUP"`,
				`objectClass eq "okta:user_group"`,
				`_links.self pr`,
				`name eq "x"`,
				`not (type eq "BUILT_IN")`,
			}},
		{"LogFilter", LogFilter,
			[]string{
				`eventType eq "user.session.start" and outcome.result eq "FAILURE"`,
				`eventType sw "user.lifecycle"`,
				`target.id eq "00uxc78lMKUMVIHLTAXY" and target.id eq "0oabe82gnXOFVCDUMVAK"`,
				`client.ipAddress eq "184.73.186.14"`,
				`eventType co ".create" or eventType ew ".deactivate"`,
				`not (severity eq "DEBUG") and actor.alternateId ne "admin@example.com"`,
				`transaction.detail.requestApiTokenId eq "00T1" or debugContext.debugData.requestId pr`,
				`(client.userAgent.os lt "iOS" or client.userAgent.os gt "iOS")`,
			},
			[]string{
				`published gt "2020-01-01T00:00:00.000Z"`,
				`published.x pr`,
				`event_type eq "user.session.start"`,
				`action.objectType eq "x"`,
				`not eventType eq "x"`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range tt.accept {
				if _, err := Parse(in, tt.d); err != nil {
					t.Errorf("rejected %q: %v", in, err)
				}
			}
			for _, in := range tt.reject {
				if e, err := Parse(in, tt.d); err == nil {
					t.Errorf("accepted %q as %q", in, e)
				}
			}
		})
	}
}

// TestDialectCaseFolding checks search folds string values and the filters
// do not; letter case in attribute paths is never folded.
func TestDialectCaseFolding(t *testing.T) {
	user := MapResolver(map[string]any{
		"status":  "ACTIVE",
		"profile": map[string]any{"lastName": "Smith"},
		"outcome": map[string]any{"result": "FAILURE"},
	})
	tests := []struct {
		d    Dialect
		in   string
		want bool
	}{
		{UserSearch, `status eq "active"`, true},
		{UserSearch, `profile.lastName sw "SMI"`, true},
		{UserSearch, `profile.lastName co "MIT"`, true},
		{UserSearch, `profile.lastName gt "sMa" and profile.lastName lt "SMJ"`, true},
		{UserSearch, `profile.LastName eq "Smith"`, false},
		{UserFilter, `status eq "active"`, false},
		{UserFilter, `status eq "ACTIVE"`, true},
		{LogFilter, `outcome.result eq "failure"`, false},
		{LogFilter, `outcome.result eq "FAILURE"`, true},
		{Dialect{CaseInsensitiveValues: true}, `a eq "x" or status ew "IVe"`, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, tt.d)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := e.Match(user); got != tt.want {
			t.Errorf("%q matched %v, want %v", tt.in, got, tt.want)
		}
	}
}
