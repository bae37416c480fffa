package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/storage"
)

func TestAuditPagesAndShowsWho(t *testing.T) {
	c, _ := newTestCommon(t)
	st := eng(c).Store()
	for i := range 450 {
		if _, err := st.AddAudit(storage.AuditEntry{Who: "ssh:SHA256:abc alice@team", Action: "integration.enable", Target: fmt.Sprint("int_", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var s Screen = newAudit(c)
	s.SetSize(78, 20)
	s, _ = runCmd(t, s, s.Init())
	a := s.(*audit)
	if len(a.entries) != auditPage || !strings.Contains(s.View(), "int_449") || !strings.Contains(s.View(), "alice@team") {
		t.Fatalf("first page: %d entries\n%s", len(a.entries), s.View())
	}
	s, _ = press(t, s, "end")
	for range 3 {
		s, _ = press(t, s, "end")
	}
	a = s.(*audit)
	if len(a.entries) != 450 || !a.done || !strings.Contains(s.View(), "int_0") {
		t.Fatalf("after scrolling to the end: %d entries, done=%v", len(a.entries), a.done)
	}
	if _, msgs := press(t, s, "esc"); len(msgs) != 1 {
		t.Fatalf("esc: %v", msgs)
	}
}
