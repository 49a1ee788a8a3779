package lesson

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
)

// Find is Plan's mission: loaded, its variables expanded, its checks
// known to compile.
func Find(catalog *mission.Catalog, id string, vars map[string]string) (*mission.Mission, error) {
	p, err := Plan(catalog, id, vars)
	if err != nil {
		return nil, err
	}
	return p.Mission, nil
}

// Objective returns the objective id of m, or a usage error naming those
// that exist.
func Objective(m *mission.Mission, id string) (*mission.Objective, error) {
	if o, ok := m.Objective(id); ok {
		return o, nil
	}
	return nil, UnknownObjective(m.ID, id, m.ObjectiveIDs())
}

// UnknownObjective is the usage error for an objective mission does not
// have: "mission zone7 has no objective "multitag" — did you mean
// multi-tag? (it has: multi-tag, digest, export)".
func UnknownObjective(mission, id string, known []string) error {
	return unknown("mission "+mission+" has no objective", id, known, "it has", "academy show "+mission+" lists them")
}

// unknown is the usage error for a name that is not among known: "unknown
// mission "zone8" — did you mean zone7? (missions: zone7)".
func unknown(what, name string, known []string, kinds, where string) error {
	msg := fmt.Sprintf("%s %q", what, name)
	if s := Suggest(name, known); s != "" {
		msg += " — did you mean " + s + "?"
	}
	switch {
	case len(known) == 0 && kinds == "it has":
		msg += " (it has none)"
	case len(known) == 0:
		msg += " (there are no " + kinds + ")"
	case len(known) <= 8:
		msg += " (" + kinds + ": " + strings.Join(known, ", ") + ")"
	default:
		msg += " (" + where + ")"
	}
	return &cmdutil.UsageError{Err: errors.New(msg)}
}

// Suggest returns the name among known closest to name, when it is close
// enough to be a typo; "" otherwise. Only the first 1000 names of a
// bounded length are compared.
func Suggest(name string, known []string) string {
	if len(name) > 128 {
		return ""
	}
	limit := 1 // the most edits a typo is taken to be
	switch {
	case len(name) >= 9:
		limit = 3
	case len(name) >= 4:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, k := range known[:min(len(known), 1000)] {
		if len(k) > 128 || k == name {
			continue
		}
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(k))
		if strings.HasPrefix(k, name) && len(name) >= 3 {
			d = min(d, 1) // zone → zone7
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// ParseVars reads repeated --var KEY=VALUE flags.
func ParseVars(values []string) (map[string]string, error) {
	vars := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, cmdutil.Usagef("--var %q: expected KEY=VALUE", v)
		}
		vars[k] = val
	}
	return vars, nil
}

// Hints are the objective's hints that say something, in order.
func Hints(o *mission.Objective) []string {
	var hints []string
	for _, h := range o.Hints {
		if strings.TrimSpace(h) != "" {
			hints = append(hints, h)
		}
	}
	return hints
}
