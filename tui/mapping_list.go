package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
)

// The mapping screen's field list: a column header and one row per field
// (its name, type, tag and mapping, or the mapping's compile error).

// listLines are the column header and the visible field rows.
func (s *mappingScreen) listLines(w, rows int) []string {
	st := s.c.Styles
	from, to := s.list.Window()
	to = min(to, len(s.rows))
	nameW := 10
	for _, r := range s.rows {
		nameW = max(nameW, lipgloss.Width(r.f.Name)+1)
	}
	nameW = min(nameW, max(w/4, 14))
	typeW, tagW := 7, 0
	for _, r := range s.rows {
		if r.f.Custom || r.orphan {
			tagW = 7
		}
	}
	mapW := max(w-4-nameW-typeW-tagW-1, 10)
	out := []string{st.Label.Render(truncate("    "+pad("FIELD", nameW)+" "+pad("TYPE", typeW)+" "+pad("", tagW)+"MAPPING", w))}
	for i := from; i < to; i++ {
		out = append(out, s.rowView(i, w, nameW, typeW, tagW, mapW))
	}
	if len(s.rows) > rows {
		out[0] = st.Label.Render(truncate("    "+pad("FIELD", nameW)+" "+pad("TYPE", typeW)+" "+pad("", tagW)+
			pad("MAPPING", max(mapW-12, 7))+fmt.Sprintf(" %d–%d of %d", from+1, to, len(s.rows)), w))
	}
	return out
}

func (s *mappingScreen) rowView(i, w, nameW, typeW, tagW, mapW int) string {
	st := s.c.Styles
	r := s.rows[i]
	step := s.stepRef()
	selected := i == s.list.Cursor()
	marker := "  "
	if selected {
		marker = st.Cursor.Render("▸ ")
	}
	req := "  "
	if r.f.Required {
		req = st.Required.Render("* ")
	}
	name := pad(r.f.Name, nameW)
	if selected {
		name = st.Selected.Render(name)
	} else {
		name = st.Bold.Render(name)
	}
	tag := ""
	switch {
	case tagW == 0:
	case r.orphan:
		tag = st.WarnText.Render(pad("gone", tagW))
	case r.f.Custom:
		tag = st.Badge.Render(pad("custom", tagW))
	default:
		tag = pad("", tagW)
	}
	src, mapped := step.Fields[r.f.Name]
	var cell string
	switch {
	case !mapped || strings.TrimSpace(src) == "":
		if r.f.Required {
			cell = st.ErrorText.Render("— not mapped")
		} else {
			cell = st.Faint.Render("—")
		}
	default:
		shownSrc := src
		if r.f.Secret && !s.revealed {
			shownSrc = "••••••••"
		}
		if err := s.errs[r.f.Name]; err != nil {
			msg := "✗ " + err.Error()
			srcW := min(lipgloss.Width(shownSrc), max(mapW-lipgloss.Width(msg)-2, mapW/3))
			cell = st.Input.Render(truncate(shownSrc, srcW)) + "  " + st.ErrorText.Render(truncate(msg, max(mapW-srcW-2, 1)))
		} else if r.orphan {
			cell = st.WarnText.Render(truncate(shownSrc, mapW))
		} else {
			cell = st.Code.Render(truncate(shownSrc, mapW))
		}
	}
	return truncate(marker+req+name+" "+st.Faint.Render(pad(string(r.f.Type), typeW))+" "+tag+cell, w)
}
