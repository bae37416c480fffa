package widget

import (
	"image/color"
	"math"
	"testing"

	"charm.land/lipgloss/v2"
)

// luminance is WCAG's relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG's contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// Every colour text is drawn in, key hints included, keeps WCAG AA's 4.5:1
// on the usual backgrounds of light and dark terminals.
func TestStylesContrast(t *testing.T) {
	for _, tc := range []struct {
		dark bool
		bgs  []string
	}{
		{false, []string{"#FFFFFF", "#F5F5F5"}},
		{true, []string{"#000000", "#1E1E1E"}},
	} {
		st := NewStyles(tc.dark)
		hs := HelpStyles(st)
		colours := map[string]color.Color{
			"Accent": st.Accent, "Muted": st.Muted, "Text": st.Text, "Good": st.Good, "Bad": st.Bad,
			"Warn": st.Warn, "Info": st.Info,
			"help key": hs.ShortKey.GetForeground(), "help description": hs.ShortDesc.GetForeground(),
			"help separator": hs.ShortSeparator.GetForeground(),
		}
		for _, bg := range tc.bgs {
			for name, c := range colours {
				if r := contrast(c, lipgloss.Color(bg)); r < 4.5 {
					t.Errorf("dark=%v: %s is %.2f:1 on %s, want ≥ 4.5", tc.dark, name, r, bg)
				}
			}
		}
		// A button's label on the accent.
		if r := contrast(st.OnAccent, st.Accent); r < 4.5 {
			t.Errorf("dark=%v: text on the accent is %.2f:1", tc.dark, r)
		}
	}
}
