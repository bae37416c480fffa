package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"syscall"
	"testing"

	"github.com/oktaflow/oktaflow/engine/trigger"
)

// Each kind of poll failure gets its own metrics label, so that an alert
// can tell a policy refusal from a network or an auth problem.
func TestPollFailureReasons(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&SourcePolicyError{Problems: Problems{{Path: "trigger.config.path", Msg: "outside the feeds folder"}}}, "policy"},
		{fmt.Errorf("poll: %w", &trigger.HTTPError{Status: http.StatusUnauthorized}), "auth"},
		{fmt.Errorf("CSV a.csv: %w", fs.ErrNotExist), "file_not_found"},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "refused"},
		{context.DeadlineExceeded, "timeout"},
		{errors.New("something else"), "other"},
	} {
		if got, _ := failureReason(tc.err, 0); got != tc.want {
			t.Errorf("%v: reason %q, want %q", tc.err, got, tc.want)
		}
	}
}
