// Command oktaflow builds and runs Okta integrations from the terminal.
//
// main stays thin: it builds the cobra command tree (root.go), runs it, and
// maps the outcome to the exit codes of the CLI contract: 0 ok, 1 error,
// 2 usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode prints err (cobra is told not to) and returns the process exit code.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "oktaflow:", err)
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintln(os.Stderr, "Run 'oktaflow --help' for usage.")
		return 2
	}
	return 1
}
