package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
)

// describePollError says why a poll could not reach its source in words an
// admin acts on: which host, what happened, what to check. Network errors
// from Go read "Get \"…\": dial tcp 10.0.0.5:443: connect: connection
// refused" or name the machine's own resolver; other errors (Okta's, the
// API's answer, a file's) already say what they mean and pass as they are.
// The log keeps the original.
func describePollError(err error) string {
	var (
		dnsErr *net.DNSError
		urlErr *url.Error
		opErr  *net.OpError
	)
	where := ""
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			where = u.Host
		}
	}
	if where == "" && errors.As(err, &opErr) && opErr.Addr != nil {
		where = opErr.Addr.String()
	}
	switch {
	case errors.As(err, &dnsErr):
		what := "it does not exist"
		if dnsErr.IsTimeout || dnsErr.IsTemporary {
			what = "the name server did not answer"
		}
		return fmt.Sprintf("cannot find the host %s (%s): check the host name (the trigger's URL, or its account's domain) and this machine's DNS", dnsErr.Name, what)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing answers at %s (connection refused): is the service up, and are its host and port right?", orSource(where))
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("cannot reach %s (no route to it): check the address and this machine's network", orSource(where))
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("%s did not answer in time (timeout): it may be down or overloaded; the poll is tried again", orSource(where))
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func orSource(where string) string {
	if where == "" {
		return "the source"
	}
	return where
}
