package lesson

import (
	"strings"

	"github.com/spf13/cobra"
)

// Flags are the flags a learner gave that say which lab they work on: the
// mission's variables, the lab's folder, the daemon, more missions. Every
// academy command printed for them to run next repeats them, so that it
// looks at the same lab and not at the default names.
type Flags struct {
	// Mission is the mission the flags were given for: --var only applies
	// to it.
	Mission string
	// Vars are the --var KEY=VALUE flags, in the order given.
	Vars []string
	// Dir is -C, when given.
	Dir string
	// Host and Context are -H and --context, when given (one host).
	Host, Context string
	// MissionDirs are the --missions folders, when given as a flag (not
	// from ACADEMY_MISSIONS, which the shell keeps).
	MissionDirs []string
}

// FlagsOf reads the learner's flags from cmd once cobra has parsed them:
// only those they changed, for mission.
func FlagsOf(cmd *cobra.Command, mission string) Flags {
	f := Flags{Mission: mission}
	fl := cmd.Flags()
	changed := func(name string) bool {
		flag := fl.Lookup(name)
		return flag != nil && flag.Changed
	}
	if changed("var") {
		f.Vars, _ = fl.GetStringArray("var")
	}
	if changed("dir") {
		f.Dir, _ = fl.GetString("dir")
	}
	if changed("host") {
		if hosts, err := fl.GetStringArray("host"); err == nil {
			if len(hosts) == 1 {
				f.Host = hosts[0]
			}
		} else {
			f.Host, _ = fl.GetString("host")
		}
	}
	if changed("context") {
		f.Context, _ = fl.GetString("context")
	}
	if changed("missions") {
		f.MissionDirs, _ = fl.GetStringSlice("missions")
	}
	return f
}

// takes lists the flags each command takes, of those Flags holds.
var takes = map[string]string{
	"check":    "var dir host context",
	"reset":    "var dir host context",
	"setup":    "var host context",
	"hint":     "var",
	"show":     "var",
	"missions": "",
}

// Command is the academy command sub with args, followed by the learner's
// flags that sub takes, each quoted for the shell when it needs it:
// "academy check zone7 --var image=shop:v2 -C ~/lab". The variables follow
// only a command about the same mission (its first argument).
func (f Flags) Command(sub string, args ...string) string {
	parts := append([]string{"academy", sub}, args...)
	for i := range parts {
		parts[i] = ShellQuote(Line(parts[i]))
	}
	wants := func(flag string) bool { return strings.Contains(" "+takes[sub]+" ", " "+flag+" ") }
	add := func(flag, value string) { parts = append(parts, flag, ShellQuote(Line(value))) }
	if wants("var") && len(args) > 0 && args[0] == f.Mission {
		for _, v := range f.Vars {
			add("--var", v)
		}
	}
	if wants("dir") && f.Dir != "" && f.Dir != "." {
		add("-C", f.Dir)
	}
	if wants("host") && f.Host != "" {
		add("-H", f.Host)
	}
	if wants("context") && f.Context != "" {
		add("--context", f.Context)
	}
	if len(f.MissionDirs) > 0 {
		add("--missions", strings.Join(f.MissionDirs, ","))
	}
	return strings.Join(parts, " ")
}

// ShellQuote quotes s for a POSIX shell when it holds anything but the
// characters a name, a path or KEY=VALUE is made of.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+,:@%/=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
