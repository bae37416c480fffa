package oktatest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Options configures an [Org]. The zero value is a usable org.
type Options struct {
	Token       string        // API token accepted as "SSWS <token>"; "" → "oktatest-token"
	AdminLogin  string        // login of the admin user who owns the token (returned by /users/me); "" → "admin@example.com"
	RateLimit   int           // requests per window in every bucket not in RateLimits; 0 → the Tier's limits, or 600 without a Tier
	RateWindow  time.Duration // 0 → 60s
	Concurrency int           // simultaneous in-flight requests; over it → 429 E0000047 with Limit=0 Remaining=0; 0 → the Tier's (35 or 75), or 75
	Latency     time.Duration // added before every response
	FaultRate   float64       // fraction of requests answered 500 E0000009, NOT applied
	DropRate    float64       // fraction of mutating requests that ARE applied, then the connection is closed with no response
	Seed        int64         // makes faults, ids and generated users deterministic
	SeedUsers   int           // generate N ACTIVE users (realistic names, logins first.last@example.com) at start
	CustomAttrs []Attribute   // custom attributes in the user schema
	// Tier presets the per-bucket limits, concurrency and token share of a
	// real org tier (TierIntegratorFree, TierOneApp, TierEnterprise,
	// TierWorkforce; see tiers.go for the published numbers).
	Tier string
	// RateLimits overrides the limit of single buckets ("/api/v1/users",
	// "/api/v1/logs", ...; see Buckets), over RateLimit and the Tier.
	RateLimits map[string]int
	// TokenShare is the percentage of each bucket one API token or OAuth
	// app may use, as Okta's per-token ceiling; 0 → 50 with a Tier (Okta's
	// default), else 100 (no ceiling).
	TokenShare int
	// SearchLag makes search, filter and q (users and groups) see changes
	// only this long after they were made, as Okta's search index does;
	// GET by id or login stays consistent. 0: no lag.
	SearchLag time.Duration

	// OAuthClients are service apps registered at start (see
	// Org.RegisterOAuthClient); NewOrg panics on an invalid one.
	OAuthClients []OAuthClient
	// DPoPResourceNonce makes API requests with a DPoP-bound token demand
	// a server nonce in their proof too (RFC 9449 §9: 401 use_dpop_nonce
	// with a DPoP-Nonce header). Okta's resource server does not require
	// one today ("The nonce parameter isn't currently required"), so this
	// is off by default; turn it on to test a client's handling of it.
	DPoPResourceNonce bool

	// Shape selects which recorded generation of Okta orgs to imitate where
	// real orgs differ; the zero value imitates the newest recordings.
	Shape Shape
	// OnRequest, if set, is called once per request after its response was
	// written (or its connection dropped), outside the org's lock. It never
	// sees the Authorization header.
	OnRequest func(RequestInfo)
}

// Shape lists the wire details in which the recorded real orgs differ from
// one another (by age and configuration). The zero value imitates the
// terraform-provider-okta recordings of Dec 2025 – Mar 2026.
type Shape struct {
	// NoRealm leaves realmId off users, like every okta-sdk-python org.
	NoRealm bool
	// CredentialEmails adds credentials.emails (the primary email, VERIFIED)
	// to users, like the okta-sdk-python orgs of 2020 and 2025.
	CredentialEmails bool
	// Legacy2020 imitates the 2020 okta-sdk-python org: users carry no
	// resetFactors link, forgotPassword only with a recovery question, and
	// deactivate answers 204 with no body instead of 200 {}.
	Legacy2020 bool
	// SchemaMaster puts master {type: PROFILE_MASTER} on the base schema
	// properties and keeps the master given for custom ones, like the
	// mid-2025 terraform-provider-okta org.
	SchemaMaster bool
}

// RequestInfo describes one answered request, for logging (see Options.OnRequest).
type RequestInfo struct {
	Method    string
	Path      string // escaped path and query as requested
	Status    int    // StatusDropped when the connection was dropped
	Bucket    string // rate-limit bucket, e.g. "/api/v1/users"
	Limit     int    // X-Rate-Limit-Limit sent
	Remaining int    // X-Rate-Limit-Remaining sent
	RequestID string // X-Okta-Request-Id sent
}

// StatusDropped is the status [Org.RequestCount] and [RequestInfo] use for a
// request whose change was applied but whose connection was closed without
// any response (Options.DropRate).
const StatusDropped = 0

// Attribute is a custom attribute of the user schema.
type Attribute struct {
	Name, Title, Description string
	Type                     string // string|integer|number|boolean|array
	Required                 bool
	Enum                     []string
}

// Defaults of Options' zero fields.
const (
	DefaultToken       = "oktatest-token"
	DefaultAdminLogin  = "admin@example.com"
	DefaultRateLimit   = 600
	DefaultRateWindow  = 60 * time.Second
	DefaultConcurrency = 75
)

// withDefaults returns o with its zero fields defaulted.
func (o Options) withDefaults() Options {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.AdminLogin == "" {
		o.AdminLogin = DefaultAdminLogin
	}
	if o.RateLimit < 0 {
		o.RateLimit = 0
	}
	if o.RateWindow <= 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
		if t, ok := tiers[o.Tier]; ok {
			o.Concurrency = t.concurrency
		}
	}
	return o
}

// attrTypes are the custom attribute types Okta's schema accepts.
var attrTypes = []string{"string", "integer", "number", "boolean", "array"}

// attrName is what a custom attribute name may look like.
var attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// ParseAttributes parses the --custom-attrs flag of `oktaflow sim`:
// comma-separated name:type items, optionally name:type:required, e.g.
// "employeeLevel:integer:required,badges:array". Every error names the
// offending item and what would be valid. Names of base profile attributes
// (costCenter, department, ...) are refused, as Okta refuses them.
func ParseAttributes(spec string) ([]Attribute, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	var attrs []Attribute
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		parts := strings.Split(item, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("custom attribute %q: want name:type or name:type:required", item)
		}
		a := Attribute{Name: strings.TrimSpace(parts[0]), Type: strings.TrimSpace(parts[1])}
		if len(parts) == 3 {
			if strings.TrimSpace(parts[2]) != "required" {
				return nil, fmt.Errorf("custom attribute %q: the third part may only be \"required\"", item)
			}
			a.Required = true
		}
		if err := checkAttribute(a, attrs); err != nil {
			return nil, fmt.Errorf("custom attribute %q: %w", item, err)
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

// checkAttribute vets one custom attribute against Okta's rules and the
// attributes before it.
func checkAttribute(a Attribute, before []Attribute) error {
	if !attrName.MatchString(a.Name) {
		return fmt.Errorf("the name must start with a letter and hold only letters, digits and _")
	}
	if _, isBase := baseProperty(a.Name); isBase {
		return fmt.Errorf("%s is a base profile attribute already; pick another name", a.Name)
	}
	if !slices.Contains(attrTypes, a.Type) {
		return fmt.Errorf("unknown type %q (want %s)", a.Type, strings.Join(attrTypes, ", "))
	}
	if slices.ContainsFunc(before, func(b Attribute) bool { return b.Name == a.Name }) {
		return fmt.Errorf("%s is listed twice", a.Name)
	}
	return nil
}

// mustCheckAttributes panics on invalid Options.CustomAttrs: NewOrg has no
// error to return, and a bad attribute is a bug in the caller.
func mustCheckAttributes(attrs []Attribute) {
	for i, a := range attrs {
		if err := checkAttribute(a, attrs[:i]); err != nil {
			panic(fmt.Sprintf("oktatest: Options.CustomAttrs: %s: %v", a.Name, err))
		}
	}
}
