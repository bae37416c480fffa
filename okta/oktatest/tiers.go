package oktatest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Org tiers with the per-minute limits Okta publishes for them
// (developer docs, "Management rate limits", reference/rl-global-mgmt, the
// table of 2025 before the page moved to the Admin Console's dashboard:
// Integrator Free Plan, One App, Enterprise, Workforce Identity) and their
// concurrency limits (reference/rl2-concurrency: 35 for the Integrator
// Free plan, 75 otherwise). The org authorization server's /oauth2/v1
// limits are from the earlier version of that table (Developer free 300,
// One App 600, Enterprise 1200, Workforce 2000), the last that listed them.
const (
	TierIntegratorFree = "integrator-free" // today's free developer org ("developer" is accepted for it)
	TierOneApp         = "one-app"
	TierEnterprise     = "enterprise"
	TierWorkforce      = "workforce"
)

// defaultTokenShare is the share of each bucket an API token or OAuth app
// may use by default ("By default, each API token or OAuth 2.0 app can use
// up to 50% of a bucket's total rate limit", reference/rl2-token-oauth).
const defaultTokenShare = 50

// tierLimits are one tier's limits; buckets without a row use "/api/v1"
// ("Most other API actions").
type tierLimits struct {
	buckets     map[string]int
	concurrency int
}

func (t tierLimits) limit(bucket string) int {
	if n, ok := t.buckets[bucket]; ok {
		return n
	}
	return t.buckets[bucketOther]
}

// tierTable: columns Integrator Free, One App, Enterprise, Workforce.
var tierTable = []struct {
	bucket string
	limits [4]int
}{
	{bucketUsers, [4]int{100, 600, 600, 600}},       // Create or list users
	{bucketUserRead, [4]int{100, 1000, 1000, 2000}}, // Get a user by ID or sign in
	{bucketUserWrite, [4]int{100, 600, 600, 600}},   // Update or delete a user by ID
	{bucketGroups, [4]int{100, 600, 600, 500}},      // Create or list groups
	{bucketGroup, [4]int{100, 600, 600, 1000}},      // Get, update, or delete a group by ID
	{bucketLogs, [4]int{20, 50, 50, 120}},           // Get System Log data
	{bucketOther, [4]int{100, 600, 600, 1200}},      // Most other API actions
	{bucketOAuth, [4]int{300, 600, 1200, 2000}},     // OAuth2 requests for the Org Authorization Server
}

var tiers = func() map[string]tierLimits {
	names := []string{TierIntegratorFree, TierOneApp, TierEnterprise, TierWorkforce}
	concurrency := []int{35, 75, 75, 75}
	out := map[string]tierLimits{}
	for i, name := range names {
		t := tierLimits{buckets: map[string]int{}, concurrency: concurrency[i]}
		for _, row := range tierTable {
			t.buckets[row.bucket] = row.limits[i]
		}
		out[name] = t
	}
	out["developer"] = out[TierIntegratorFree]
	return out
}()

// Tiers lists the tier names Options.Tier accepts.
func Tiers() []string {
	return []string{TierIntegratorFree, TierOneApp, TierEnterprise, TierWorkforce}
}

// Buckets lists the rate-limit buckets the simulator counts, as
// X-Rate-Limit-* and RequestKey name them.
func Buckets() []string {
	return []string{bucketUsers, bucketMe, bucketUserRead, bucketUserWrite, bucketGroups, bucketGroup, bucketLogs, bucketOther, bucketOAuth}
}

// TierLimit returns a tier's requests per minute in bucket, and false for
// an unknown tier or bucket.
func TierLimit(tier, bucket string) (int, bool) {
	t, ok := tiers[tier]
	if !ok || !slices.Contains(Buckets(), bucket) {
		return 0, false
	}
	return t.limit(bucket), true
}

// checkTier vets Options.Tier and Options.TokenShare.
func checkTier(o Options) error {
	if _, ok := tiers[o.Tier]; o.Tier != "" && !ok {
		return fmt.Errorf("unknown tier %q (want %s)", o.Tier, strings.Join(Tiers(), ", "))
	}
	if o.TokenShare < 0 || o.TokenShare > 100 {
		return fmt.Errorf("TokenShare %d is not a percentage between 1 and 100 (0: the default)", o.TokenShare)
	}
	for b, n := range o.RateLimits {
		if !slices.Contains(Buckets(), b) {
			return fmt.Errorf("unknown rate-limit bucket %q (want one of %s)", b, strings.Join(Buckets(), ", "))
		}
		if n < 1 {
			return fmt.Errorf("bucket %s: the limit must be at least 1 (got %d)", b, n)
		}
	}
	return nil
}

// ParseBucketLimits parses the --bucket-limit flag of `oktaflow sim`:
// comma-separated bucket=limit items, e.g.
// "/api/v1/users=50,/api/v1/logs=10". Errors name the item and the buckets.
func ParseBucketLimits(spec string) (map[string]int, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	out := map[string]int{}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		bucket, value, found := strings.Cut(item, "=")
		bucket = strings.TrimSpace(bucket)
		n, err := strconv.Atoi(strings.TrimSpace(value))
		switch {
		case !found:
			return nil, fmt.Errorf("bucket limit %q: want bucket=limit, e.g. /api/v1/users=50", item)
		case !slices.Contains(Buckets(), bucket):
			return nil, fmt.Errorf("bucket limit %q: unknown bucket %q (want one of %s)", item, bucket, strings.Join(Buckets(), ", "))
		case err != nil || n < 1:
			return nil, fmt.Errorf("bucket limit %q: the limit must be a whole number of requests, at least 1", item)
		}
		if _, dup := out[bucket]; dup {
			return nil, fmt.Errorf("bucket %s is listed twice", bucket)
		}
		out[bucket] = n
	}
	return out, nil
}
