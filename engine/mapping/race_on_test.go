//go:build race

package mapping

// raceEnabled: the race detector slows evaluation several times over, so a
// template meant to reach its memory bound may reach its time bound first.
const raceEnabled = true
