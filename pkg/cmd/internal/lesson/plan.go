package lesson

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
)

// Plan loads the mission id from the catalog, expands its variables,
// overrides from --var first, and compiles its checks: every mistake is
// found here, before any daemon is asked. A mistake of the learner's — a
// missing --missions folder, an unknown mission, an unknown variable, a
// --var whose value the mission cannot use — is a usage error in their
// words; a mistake in the mission file keeps its file and position, for
// the mission's author.
func Plan(catalog *mission.Catalog, id string, vars map[string]string) (*check.Plan, error) {
	if err := catalog.CheckDirs(); err != nil {
		return nil, &cmdutil.UsageError{Err: err}
	}
	m, err := catalog.Find(id)
	var nf *mission.NotFoundError
	if errors.As(err, &nf) {
		return nil, unknown("unknown mission", id, nf.Known, "missions", "academy missions lists them")
	}
	if err != nil {
		return nil, err
	}
	p, err := compile(m, vars)
	if err == nil || len(vars) == 0 {
		return p, err
	}
	var uv *mission.UnknownVarError
	if errors.As(err, &uv) {
		msg := fmt.Sprintf("mission %s has no variable %q", uv.Mission, uv.Name)
		if s := Suggest(uv.Name, uv.Known); s != "" {
			msg += " — did you mean " + s + "?"
		}
		return nil, cmdutil.Usagef("%s (it has: %s)", msg, strings.Join(uv.Known, ", "))
	}
	if _, own := compile(m, nil); own != nil {
		return nil, err // the mission is wrong without any --var: its author's to fix
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		one := func(v string) error {
			_, err := compile(m, map[string]string{k: v})
			return err
		}
		if err := one(vars[k]); err != nil {
			return nil, &cmdutil.UsageError{Err: varProblem(k, vars[k], m.Vars[k], err, one)}
		}
	}
	return nil, err
}

func compile(m *mission.Mission, vars map[string]string) (*check.Plan, error) {
	x, err := m.Expand(vars)
	if err != nil {
		return nil, err
	}
	return check.Compile(x)
}

// varProblem says, in one line and in the learner's words, why the value
// of --var name cannot be used: err is what the mission said of it, retry
// tries another value.
func varProblem(name, value, def string, err error, retry func(string) error) error {
	given := "--var " + Line(name) + "=" + Truncate(Line(value), 40)
	switch {
	case strings.TrimSpace(value) == "":
		return fmt.Errorf("%s: the value is empty — give one, or leave the flag out for the mission's own (%s=%s)", given, Line(name), Line(def))
	case strings.ToLower(value) != value && retry(strings.ToLower(value)) == nil:
		return fmt.Errorf("%s: image names are lowercase (%s)", given, Line(strings.ToLower(value)))
	}
	msg := err.Error()
	var spec *mission.SpecError
	if errors.As(err, &spec) {
		msg = spec.Msg
	}
	msg = strings.TrimPrefix(msg, "--var "+name+": ")
	// What the mission calls the field ("setup image: ", "ref: ") means
	// nothing to the learner.
	if label, rest, ok := strings.Cut(msg, ": "); ok && (strings.HasPrefix(label, "setup ") || !strings.ContainsAny(label, ` "`)) {
		msg = rest
	}
	// Where the mission wrote it is its author's business too.
	msg = asWritten().ReplaceAllString(msg, "")
	if field, rest, ok := strings.Cut(msg, " is "); ok && fieldName().MatchString(field) {
		msg = rest // "sameAs is not a valid image reference"
	}
	if q, rest, ok := leadingQuote(msg); ok {
		if q == value {
			msg = strings.TrimPrefix(rest, "is ")
		} else {
			msg = fmt.Sprintf("the mission makes it %q, which %s", q, rest)
		}
	}
	return fmt.Errorf("%s: %s", given, Line(msg))
}

// asWritten matches what a spec error adds on the string as the mission
// wrote it: ` ("{{.archive}}" as written (archive = "../x.tar"))`.
var asWritten = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s*\("[^"]*" as written \([^)]*\)\)$`) })

var fieldName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][A-Za-z]*$`) })

// leadingQuote splits `"x" rest` into x and rest.
func leadingQuote(msg string) (quoted, rest string, ok bool) {
	if !strings.HasPrefix(msg, `"`) {
		return "", "", false
	}
	end := strings.Index(msg[1:], `" `)
	if end < 0 {
		return "", "", false
	}
	q, err := strconv.Unquote(msg[:end+2])
	if err != nil {
		return "", "", false
	}
	return q, msg[end+3:], true
}
