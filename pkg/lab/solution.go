package lab

import (
	"errors"
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Command is one command of an objective's solution, split into its
// arguments as a POSIX shell would split it; Args[0] is "docker".
type Command struct {
	Args []string
}

// String is the command as it can be typed: every argument quoted where a
// shell needs it.
func (c Command) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		q, err := syntax.Quote(a, syntax.LangPOSIX)
		if err != nil {
			q = fmt.Sprintf("%q", a)
		}
		parts[i] = q
	}
	return strings.Join(parts, " ")
}

// SolutionError says why a solution cannot be run by mission test.
type SolutionError struct {
	Objective string
	Reason    string
}

func (e *SolutionError) Error() string {
	return fmt.Sprintf("objective %s: its solution %s", e.Objective, e.Reason)
}

// maxSolutionCommands bounds the commands of one solution.
const maxSolutionCommands = 20

// ParseSolution splits a solution into docker commands, without a shell: it
// is parsed as POSIX shell, and only plain commands joined by && are
// accepted, each starting with docker, whose words are literal text (quoted
// or not). Anything a shell would do beyond splitting words — a variable, a
// command substitution, a glob, a pipe, a redirection, ; or || — is refused:
// mission test runs the docker CLI directly, so a solution must mean the
// same there as in a learner's shell.
func ParseSolution(objective, solution string) ([]Command, error) {
	fail := func(format string, args ...any) error {
		return &SolutionError{Objective: objective, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(solution) == "" {
		return nil, fail("is missing: mission test carries out each objective's solution, so every objective needs one")
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(solution), "")
	if err != nil {
		return nil, fail("cannot be read as a command line: %v", err)
	}
	if len(f.Stmts) != 1 {
		return nil, fail("must be one line of docker commands joined by &&, not %d statements", len(f.Stmts))
	}
	var calls []*syntax.CallExpr
	var walk func(*syntax.Stmt) error
	walk = func(st *syntax.Stmt) error {
		switch {
		case st.Negated, st.Background, st.Coprocess:
			return fail("uses !, & or a coprocess; only docker commands joined by && can be run")
		case len(st.Redirs) > 0:
			return fail("redirects (<, >); mission test runs docker commands without a shell")
		}
		switch c := st.Cmd.(type) {
		case *syntax.CallExpr:
			calls = append(calls, c)
			return nil
		case *syntax.BinaryCmd:
			if c.Op != syntax.AndStmt {
				return fail("uses %s; only && can join commands", c.Op)
			}
			if err := walk(c.X); err != nil {
				return err
			}
			return walk(c.Y)
		}
		return fail("is not a plain command; only docker commands joined by && can be run")
	}
	if err := walk(f.Stmts[0]); err != nil {
		return nil, err
	}
	if len(calls) > maxSolutionCommands {
		return nil, fail("has %d commands; at most %d", len(calls), maxSolutionCommands)
	}
	cmds := make([]Command, 0, len(calls))
	for _, call := range calls {
		if len(call.Assigns) > 0 {
			return nil, fail("sets a variable (NAME=…); only docker commands can be run")
		}
		var args []string
		for _, w := range call.Args {
			s, err := literal(w)
			if err != nil {
				return nil, fail("%v", err)
			}
			args = append(args, s)
		}
		if len(args) == 0 || args[0] != "docker" {
			first := ""
			if len(args) > 0 {
				first = args[0]
			}
			return nil, fail("runs %q; mission test runs only docker commands", first)
		}
		cmds = append(cmds, Command{Args: args})
	}
	return cmds, nil
}

// literal is a word's text when the word is literal text, quoted or not.
func literal(w *syntax.Word) (string, error) {
	var b strings.Builder
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[") {
				return "", fmt.Errorf("has a glob (%s), which a shell would expand: quote it", p.Value)
			}
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				return "", fmt.Errorf("starts a word with ~, which a shell would expand: write the path out")
			}
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", errors.New("uses $'…' quoting; use plain quotes")
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok {
					return "", errors.New("expands something inside double quotes ($…); only literal text can be run")
				}
				b.WriteString(lit.Value)
			}
		default:
			return "", errors.New("expands a variable or a command ($…, `…`); only literal text can be run")
		}
	}
	return b.String(), nil
}
