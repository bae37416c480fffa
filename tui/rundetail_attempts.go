package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/storage"
)

// rdVersion says which version of its integration the run ran, and warns
// when the integration has changed since ("" before any attempt, or for a
// run stored before versions were kept).
func rdVersion(st *Styles, r storage.Run, in *storage.Integration) string {
	if r.Version == 0 {
		return ""
	}
	switch {
	case in == nil:
		return fmt.Sprint(r.Version)
	case in.Version == r.Version:
		return fmt.Sprintf("%d (current)", r.Version)
	}
	return st.WarnText.Render(fmt.Sprintf("ran version %d; the integration is now at version %d", r.Version, in.Version))
}

// rdAttempts lists a retried run's attempts, oldest first, each with how
// it ended, when, the version it ran, the step it ended on and its error.
// A run tried once has nothing to add to the header and its steps: "".
func rdAttempts(st *Styles, r storage.Run, w int) string {
	if len(r.Attempts) < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString(st.Section.Render("Attempts") + "\n")
	for _, a := range r.Attempts {
		parts := []string{rdAttemptEnd(st, a.End), a.StartedAt.Local().Format("15:04:05")}
		if !a.FinishedAt.IsZero() {
			parts = append(parts, "took "+rdDuration(a.FinishedAt.Sub(a.StartedAt)))
		}
		parts = append(parts, fmt.Sprintf("version %d", a.Version))
		if a.Step != "" {
			parts = append(parts, "step "+a.Step)
		}
		b.WriteString(truncate(fmt.Sprintf("  #%-3d", a.N)+strings.Join(parts, st.Faint.Render(" · ")), w) + "\n")
		if a.Error != nil {
			b.WriteString(rdIndent(st.ErrorText.Render(ansi.Wrap(a.Error.Message, max(w-7, 16), " ")), 7) + "\n")
		}
	}
	return b.String()
}

func rdAttemptEnd(st *Styles, end storage.AttemptEnd) string {
	switch end {
	case storage.AttemptSucceeded:
		return st.OKText.Render("✓ succeeded")
	case storage.AttemptFailed, storage.AttemptInterrupted:
		return st.ErrorText.Render("✗ " + string(end))
	case "":
		return st.Badge.Render("running")
	}
	return st.WarnText.Render(string(end))
}
