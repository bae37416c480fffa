// Command sdkpeer creates users in an Okta org with Okta's official Go SDK
// (github.com/okta/okta-sdk-golang/v5), the way a plain program on the SDK
// would, and reports how fast it went. The engine benchmarks run it beside
// oktaflow against the same simulator, so that "ahead of the SDK" is
// measured in one run rather than claimed.
//
//	sdkpeer -org http://127.0.0.1:8790 -token T -users 300 -concurrency 8 [-prefix P] [-json]
//
// prints {"users":…, "seconds":…, "users_per_sec":…, "status_429":…, "errors":…}
// with -json, or one line for a person without it.
//
// It lives in a module of its own so that the main module never depends on
// the SDK (1,000+ generated files): `go test ./...` at the root skips it;
// build it with `make sdkpeer` or `cd okta/sdkpeer && go build`.
//
// How it uses the SDK, and why:
//   - Retries: the SDK retries 429s itself, waiting X-Rate-Limit-Reset −
//     Date + 1 s, capped by maxBackoff, up to maxRetries times. v5.0.2's
//     code leaves both at zero when nothing configures them (no retry at
//     all), while its README says four retries are the default; the peer
//     sets the documented values, -max-retries 4 and -max-backoff 30 (the
//     cap of the SDK's v2 line), so that it behaves as the SDK is meant to.
//     It adds no pacing of its own.
//   - Plain http to a loopback simulator: v5.0.2 takes the scheme from the
//     org URL and has no HTTPS check to switch off (WithTestingDisableHttpsCheck
//     is set anyway, as its docs ask for tests), but NewConfiguration keeps
//     only the host name of the org URL and drops its port, so the peer puts
//     host:port back into Configuration.Host. A program talking to a real
//     org on https://acme.okta.com:443 needs neither.
//   - 429s are counted by a wrapping http.RoundTripper that only looks at
//     the responses; the SDK's own client is otherwise untouched.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"
)

// config is what the flags say.
type config struct {
	org, token, prefix string
	users, concurrency int
	maxRetries         int
	maxBackoff         int64
	requestTimeout     int64
	json               bool
	stdout, stderr     io.Writer
	transport          http.RoundTripper // nil: http.DefaultTransport
}

// result is the JSON the benchmark reads.
type result struct {
	Users       int     `json:"users"`
	Seconds     float64 `json:"seconds"`
	UsersPerSec float64 `json:"users_per_sec"`
	Status429   int64   `json:"status_429"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkpeer:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkpeer:", err)
		os.Exit(1)
	}
	if err := report(cfg, res); err != nil {
		fmt.Fprintln(os.Stderr, "sdkpeer:", err)
		os.Exit(1)
	}
	if res.Errors > 0 {
		os.Exit(1)
	}
}

// parseFlags reads and checks the command line; every error names the flag.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	cfg := config{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("sdkpeer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.org, "org", "", "org URL, e.g. http://127.0.0.1:8790 or https://acme.okta.com")
	fs.StringVar(&cfg.token, "token", "", "API token (SSWS); default $OKTA_CLIENT_TOKEN")
	fs.IntVar(&cfg.users, "users", 100, "users to create")
	fs.IntVar(&cfg.concurrency, "concurrency", 4, "creates in flight at once")
	fs.StringVar(&cfg.prefix, "prefix", "", "login prefix, logins are PREFIX-N@example.com (default: sdkpeer-<unix time>)")
	fs.IntVar(&cfg.maxRetries, "max-retries", 4, "SDK retries of a 429 (its README's default)")
	fs.Int64Var(&cfg.maxBackoff, "max-backoff", 30, "SDK cap on one 429 wait, seconds")
	fs.Int64Var(&cfg.requestTimeout, "request-timeout", 0, "SDK request timeout including retries, seconds (0: none)")
	fs.BoolVar(&cfg.json, "json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.token == "" {
		cfg.token = os.Getenv("OKTA_CLIENT_TOKEN")
	}
	if cfg.prefix == "" {
		cfg.prefix = fmt.Sprintf("sdkpeer-%d", time.Now().Unix())
	}
	u, err := url.Parse(cfg.org)
	switch {
	case cfg.org == "":
		return cfg, errors.New("-org is required, e.g. -org http://127.0.0.1:8790")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return cfg, fmt.Errorf("-org %q is not an http(s) URL such as https://acme.okta.com", cfg.org)
	case cfg.token == "":
		return cfg, errors.New("-token is required (or set OKTA_CLIENT_TOKEN)")
	case cfg.users < 1:
		return cfg, fmt.Errorf("-users must be at least 1 (got %d)", cfg.users)
	case cfg.concurrency < 1:
		return cfg, fmt.Errorf("-concurrency must be at least 1 (got %d)", cfg.concurrency)
	case cfg.maxRetries < 0 || cfg.maxBackoff < 0 || cfg.requestTimeout < 0:
		return cfg, errors.New("-max-retries, -max-backoff and -request-timeout cannot be negative")
	case strings.ContainsAny(cfg.prefix, "@ /"):
		return cfg, fmt.Errorf("-prefix %q may not hold @, / or spaces", cfg.prefix)
	}
	return cfg, nil
}

// counting429 counts 429 answers on their way to the SDK.
type counting429 struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *counting429) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		c.n.Add(1)
	}
	return resp, err
}

// newClient builds the SDK client as a program on it would.
func newClient(cfg config, rt http.RoundTripper) (*okta.APIClient, error) {
	u, _ := url.Parse(cfg.org)
	conf, err := okta.NewConfiguration(
		okta.WithOrgUrl(strings.TrimSuffix(cfg.org, "/")),
		okta.WithToken(cfg.token),
		okta.WithRateLimitMaxRetries(int32(cfg.maxRetries)),
		okta.WithRateLimitMaxBackOff(cfg.maxBackoff),
		okta.WithRequestTimeout(cfg.requestTimeout),
		okta.WithTestingDisableHttpsCheck(u.Scheme == "http"),
		okta.WithHttpClientPtr(&http.Client{Transport: rt}),
	)
	if err != nil {
		return nil, fmt.Errorf("configuring the SDK: %w", err)
	}
	conf.Host = u.Host // v5.0.2 kept only the host name; see the package doc
	return okta.NewAPIClient(conf), nil
}

// run creates cfg.users users with cfg.concurrency workers.
func run(ctx context.Context, cfg config) (result, error) {
	next := cfg.transport
	if next == nil {
		next = http.DefaultTransport
	}
	counter := &counting429{next: next}
	client, err := newClient(cfg, counter)
	if err != nil {
		return result{}, err
	}
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		created  int
		failures int
		first    string
	)
	start := time.Now()
	for range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := createUser(ctx, client, cfg.prefix, i)
				mu.Lock()
				if err != nil {
					failures++
					if first == "" {
						first = err.Error()
					}
				} else {
					created++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := 1; i <= cfg.users; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	secs := time.Since(start).Seconds()
	res := result{Users: created, Seconds: secs, Status429: counter.n.Load(), Errors: failures, FirstError: first}
	if secs > 0 {
		res.UsersPerSec = float64(created) / secs
	}
	return res, ctx.Err()
}

// createUser is POST /api/v1/users with the SDK's defaults (activate=true).
func createUser(ctx context.Context, client *okta.APIClient, prefix string, i int) error {
	login := fmt.Sprintf("%s-%d@example.com", prefix, i)
	p := okta.NewUserProfile()
	p.SetFirstName("Peer")
	p.SetLastName(fmt.Sprintf("User %d", i))
	p.SetEmail(login)
	p.SetLogin(login)
	_, resp, err := client.UserAPI.CreateUser(ctx).Body(okta.CreateUserRequest{Profile: *p}).Execute()
	if err != nil {
		status := ""
		if resp != nil {
			status = fmt.Sprintf(" (HTTP %d)", resp.StatusCode)
		}
		return fmt.Errorf("creating %s%s: %w", login, status, err)
	}
	return nil
}

// report prints the result.
func report(cfg config, res result) error {
	if cfg.json {
		enc := json.NewEncoder(cfg.stdout)
		return enc.Encode(res)
	}
	_, err := fmt.Fprintf(cfg.stdout, "%d users in %.2f s (%.1f users/s), %d × 429, %d errors\n",
		res.Users, res.Seconds, res.UsersPerSec, res.Status429, res.Errors)
	if res.FirstError != "" {
		fmt.Fprintln(cfg.stderr, "first error:", res.FirstError)
	}
	return err
}
