package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// simFlags are the flags of `oktaflow sim`.
type simFlags struct {
	addr        string
	token       string
	rateLimit   int
	rateWindow  time.Duration
	concurrency int
	latency     time.Duration
	faultRate   float64
	dropRate    float64
	seedUsers   int
	customAttrs string
	seed        int64
	quiet       bool

	tier         string
	bucketLimits string
	tokenShare   int
	searchLag    time.Duration
	oauthClients []string
	dpopNonce    bool
}

// maxSeedUsers bounds --seed-users: enough for pagination and benchmarks,
// little enough to start in a moment.
const maxSeedUsers = 100000

// newSimCmd is `oktaflow sim`: a simulated Okta org on a local port, to try
// integrations and clients without touching a real org.
func newSimCmd() *cobra.Command {
	var f simFlags
	return newSimCmdInto(&f)
}

// newSimCmdInto is newSimCmd with its flags bound to f.
func newSimCmdInto(f *simFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a simulated Okta org on a local port",
		Long: "sim serves an in-memory Okta org that answers like a real one: users, lifecycle,\n" +
			"search, groups, the user schema, the System Log, SSWS auth, per-bucket rate limits\n" +
			"and optional faults. It prints the base URL, the API token and a curl example,\n" +
			"logs each request, and runs until interrupted (Ctrl-C).",
		Example: "  oktaflow sim --token dev-token\n" +
			"  oktaflow sim --seed-users 500 --custom-attrs employeeLevel:integer,badges:array\n" +
			"  oktaflow sim --rate-limit 50 --rate-window 10s --latency 100ms --fault-rate 0.05\n" +
			"  oktaflow sim --tier integrator-free --bucket-limit /api/v1/logs=5 --search-lag 1s\n" +
			"  oktaflow sim --oauth-client key=app.pub.pem,scopes=okta.users.manage+okta.groups.manage",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := f.options(cmd)
			if err != nil {
				return &usageError{err}
			}
			return runSim(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f.addr, opts, f.quiet)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8790", "address to listen on, host:port")
	fl.StringVar(&f.token, "token", "", "API token to accept as \"SSWS <token>\" (default: a random token, printed at start)")
	fl.IntVar(&f.rateLimit, "rate-limit", oktatest.DefaultRateLimit, "requests allowed per window in each rate-limit bucket (default: the --tier's limits, or 600)")
	fl.DurationVar(&f.rateWindow, "rate-window", oktatest.DefaultRateWindow, "length of a rate-limit window")
	fl.IntVar(&f.concurrency, "concurrency", oktatest.DefaultConcurrency, "requests served at once; more are answered 429 (default: the --tier's, or 75)")
	fl.DurationVar(&f.latency, "latency", 0, "delay added before every response, e.g. 150ms")
	fl.Float64Var(&f.faultRate, "fault-rate", 0, "fraction of requests answered 500 without being applied, 0 to 1")
	fl.Float64Var(&f.dropRate, "drop-rate", 0, "fraction of changes applied whose connection is then dropped, 0 to 1")
	fl.IntVar(&f.seedUsers, "seed-users", 0, "number of ACTIVE users to generate at start")
	fl.StringVar(&f.customAttrs, "custom-attrs", "", "custom user attributes, name:type[:required],... (types: string, integer, number, boolean, array)")
	fl.Int64Var(&f.seed, "seed", 0, "seed for generated users, ids and faults, to repeat a run (default: random)")
	fl.BoolVar(&f.quiet, "quiet", false, "do not log each request")
	fl.StringVar(&f.tier, "tier", "", "org tier whose published limits to apply: "+strings.Join(oktatest.Tiers(), ", "))
	fl.StringVar(&f.bucketLimits, "bucket-limit", "", "per-bucket limits, bucket=requests,..., e.g. /api/v1/users=50 (buckets: "+strings.Join(oktatest.Buckets(), ", ")+")")
	fl.IntVar(&f.tokenShare, "token-share", 0, "percent of each bucket one API token or OAuth app may use (default: 50 with --tier, as Okta, else 100)")
	fl.DurationVar(&f.searchLag, "search-lag", 0, "delay before search, filter and q see a change, as Okta's search index (GET by id stays current), e.g. 1s")
	fl.StringArrayVar(&f.oauthClients, "oauth-client", nil, "register an OAuth service app: key=PUBLIC_KEY_FILE,scopes=SCOPE+SCOPE[,id=0oa…][,name=LABEL][,dpop=false] (repeatable; DPoP is required unless dpop=false)")
	fl.BoolVar(&f.dpopNonce, "dpop-resource-nonce", false, "demand a DPoP nonce on API requests too (Okta asks one only at the token endpoint)")
	return cmd
}

// options checks the flags and builds the simulator's options. Each error
// says which flag was wrong and what it wants.
func (f simFlags) options(cmd *cobra.Command) (oktatest.Options, error) {
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return oktatest.Options{}, fmt.Errorf("--addr %q is not host:port (%v); use e.g. --addr 127.0.0.1:8790", f.addr, err)
	}
	token := f.token
	switch {
	case cmd.Flags().Changed("token") && strings.TrimSpace(token) == "":
		return oktatest.Options{}, errors.New("--token is empty; leave the flag out to get a random token")
	case strings.ContainsAny(token, " \t\r\n"):
		return oktatest.Options{}, errors.New("--token holds whitespace, which an Authorization header cannot carry; pick a token without spaces")
	case token == "":
		token = randomToken()
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{f.rateLimit < 1, fmt.Sprintf("--rate-limit must be at least 1 (got %d): it is how many requests each bucket allows per window", f.rateLimit)},
		{f.rateWindow <= 0, fmt.Sprintf("--rate-window must be positive (got %s); use e.g. --rate-window 60s", f.rateWindow)},
		{f.concurrency < 1, fmt.Sprintf("--concurrency must be at least 1 (got %d): it is how many requests are served at once", f.concurrency)},
		{f.latency < 0, fmt.Sprintf("--latency cannot be negative (got %s); use e.g. --latency 100ms", f.latency)},
		{f.faultRate < 0 || f.faultRate > 1, fmt.Sprintf("--fault-rate must be between 0 and 1 (got %g): it is the fraction of requests answered 500", f.faultRate)},
		{f.dropRate < 0 || f.dropRate > 1, fmt.Sprintf("--drop-rate must be between 0 and 1 (got %g): it is the fraction of changes whose answer is lost", f.dropRate)},
		{f.seedUsers < 0 || f.seedUsers > maxSeedUsers, fmt.Sprintf("--seed-users must be between 0 and %d (got %d)", maxSeedUsers, f.seedUsers)},
		{f.tokenShare < 0 || f.tokenShare > 100, fmt.Sprintf("--token-share must be a percentage from 1 to 100 (got %d)", f.tokenShare)},
		{f.searchLag < 0, fmt.Sprintf("--search-lag cannot be negative (got %s); use e.g. --search-lag 1s", f.searchLag)},
		{f.tier != "" && !slices.Contains(append(oktatest.Tiers(), "developer"), f.tier), fmt.Sprintf("--tier %q is not a tier; use one of %s", f.tier, strings.Join(oktatest.Tiers(), ", "))},
	}
	for _, c := range checks {
		if c.bad {
			return oktatest.Options{}, errors.New(c.msg)
		}
	}
	attrs, err := oktatest.ParseAttributes(f.customAttrs)
	if err != nil {
		return oktatest.Options{}, fmt.Errorf("--custom-attrs: %w", err)
	}
	buckets, err := oktatest.ParseBucketLimits(f.bucketLimits)
	if err != nil {
		return oktatest.Options{}, fmt.Errorf("--bucket-limit: %w", err)
	}
	var clients []oktatest.OAuthClient
	for _, spec := range f.oauthClients {
		c, err := parseOAuthClient(spec, os.ReadFile)
		if err != nil {
			return oktatest.Options{}, fmt.Errorf("--oauth-client %q: %w", spec, err)
		}
		clients = append(clients, c)
	}
	seed := f.seed
	if !cmd.Flags().Changed("seed") {
		seed = randomSeed()
	}
	// Without --rate-limit or --concurrency the tier (or the defaults)
	// decide: 0 leaves them to the simulator.
	rateLimit, concurrency := f.rateLimit, f.concurrency
	if !cmd.Flags().Changed("rate-limit") {
		rateLimit = 0
	}
	if !cmd.Flags().Changed("concurrency") {
		concurrency = 0
	}
	opts := oktatest.Options{
		Token: token, RateLimit: rateLimit, RateWindow: f.rateWindow, Concurrency: concurrency,
		Latency: f.latency, FaultRate: f.faultRate, DropRate: f.dropRate, Seed: seed,
		SeedUsers: f.seedUsers, CustomAttrs: attrs,
		Tier: f.tier, RateLimits: buckets, TokenShare: f.tokenShare, SearchLag: f.searchLag,
		OAuthClients: clients, DPoPResourceNonce: f.dpopNonce,
	}
	if _, err := tryNewOrg(opts); err != nil {
		return oktatest.Options{}, err
	}
	return opts, nil
}

// tryNewOrg builds the org once to surface what NewOrg would panic on (a
// bad OAuth client key, a clashing id) as a flag error.
func tryNewOrg(opts oktatest.Options) (org *oktatest.Org, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	opts.SeedUsers = 0
	return oktatest.NewOrg(opts), nil
}

// parseOAuthClient reads one --oauth-client value:
// key=FILE,scopes=A+B[,id=…][,name=…][,dpop=true|false].
func parseOAuthClient(spec string, readFile func(string) ([]byte, error)) (oktatest.OAuthClient, error) {
	c := oktatest.OAuthClient{DPoP: true} // Okta's default for new service apps
	seen := map[string]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(item), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !found || v == "" {
			return c, fmt.Errorf("%q is not key=value (keys: key, scopes, id, name, dpop)", item)
		}
		if seen[k] {
			return c, fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "key":
			data, err := readFile(v)
			if err != nil {
				return c, fmt.Errorf("cannot read the public key: %w", err)
			}
			c.PublicKey = data
		case "scopes":
			c.Scopes = strings.FieldsFunc(v, func(r rune) bool { return r == '+' || r == ' ' })
		case "id":
			c.ID = v
		case "name":
			c.Name = v
		case "dpop":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("dpop=%q: want true or false", v)
			}
			c.DPoP = b
		default:
			return c, fmt.Errorf("unknown key %q (keys: key, scopes, id, name, dpop)", k)
		}
	}
	switch {
	case c.PublicKey == nil:
		return c, errors.New("key=FILE is missing: the app's public key (PEM or JWK)")
	case len(c.Scopes) == 0:
		return c, errors.New("scopes=… is missing, e.g. scopes=okta.users.read+okta.users.manage")
	}
	return c, nil
}

// runSim serves the org until ctx ends, then shuts down gracefully.
func runSim(ctx context.Context, stdout, stderr io.Writer, addr string, opts oktatest.Options, quiet bool) error {
	if !quiet {
		logger := log.New(stderr, "", log.Ltime|log.Lmicroseconds)
		opts.OnRequest = func(i oktatest.RequestInfo) {
			status := fmt.Sprint(i.Status)
			if i.Status == oktatest.StatusDropped {
				status = "dropped"
			}
			logger.Printf("%s %s %s bucket=%s remaining=%d/%d", i.Method, i.Path, status, i.Bucket, i.Remaining, i.Limit)
		}
	}
	org := oktatest.NewOrg(opts)
	srv, err := oktatest.StartServer(addr, org)
	if err != nil {
		return fmt.Errorf("cannot start the simulator: %w (is something else using %s? choose another --addr)", err, addr)
	}
	admin := oktatest.DefaultAdminLogin
	fmt.Fprintf(stdout, "Okta org simulator listening on %s\n", srv.URL)
	fmt.Fprintf(stdout, "API token:  %s\n", srv.Token)
	fmt.Fprintf(stdout, "Admin user: %s (returned by /api/v1/users/me)\n", admin)
	for _, c := range org.OAuthClientIDs() {
		fmt.Fprintf(stdout, "OAuth app:  %s (token endpoint %s/oauth2/v1/token)\n", c, srv.URL)
	}
	if opts.Tier != "" {
		fmt.Fprintf(stdout, "Limits:     %s tier\n", opts.Tier)
	}
	fmt.Fprintf(stdout, "Try:\n  curl -s -H 'Authorization: SSWS %s' %s/api/v1/users/me\n", srv.Token, srv.URL)
	fmt.Fprintf(stdout, "Press Ctrl-C to stop.\n")

	if ctx == nil {
		ctx = context.Background()
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
		return fmt.Errorf("stopping the simulator: %w", err)
	}
	fmt.Fprintln(stdout, "Simulator stopped.")
	return nil
}

// randomToken makes an API token that looks like Okta's: "00" and 40
// characters.
func randomToken() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]%byte(len(alphabet))]
	}
	return "00" + string(b)
}

func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]))
}
