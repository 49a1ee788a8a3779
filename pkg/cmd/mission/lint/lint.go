package lint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy mission lint` needs, parsed and validated.
type Options struct {
	IO      *cmdutil.IOStreams
	Catalog func() *mission.Catalog

	// Files are the mission files to lint, as given; "-" is standard
	// input. None means every mission of the catalog.
	Files []string
	// Strict makes warnings fail the run as errors do.
	Strict bool
}

// stdinName names standard input in problems, as compilers do.
const stdinName = "<stdin>"

// NewCmdLint returns the lint command. runF replaces the run function in
// tests of flag parsing.
func NewCmdLint(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog}
	cmd := &cobra.Command{
		Use:   "lint [FILE...]",
		Short: "Validate mission files: every problem, each at its line and column",
		Long: `Lint reads each mission file and prints every problem it finds, one per line,
as FILE:LINE:COLUMN: what. A file whose YAML cannot be decoded has one problem,
the first; fix it and lint again. Otherwise every problem is listed in the order
of the file: errors (academy refuses the mission: an unknown field, an unknown
variable, a duplicate objective id, an invalid image reference, an unknown
check kind, a kind's missing or invalid field, …) and warnings (academy runs
the mission, but an objective has no hints or no solution, a variable is never
used, the file's name is not its id). Lint never contacts the Docker daemon.

FILE "-" reads standard input. With no FILE, every mission academy can find is
linted: the embedded ones and those of --missions (ACADEMY_MISSIONS).

Exit codes: 0 no errors (warnings are printed but do not fail, unless
--strict), 2 an error in some file, or a usage error.`,
		Example: `  academy mission lint my-mission.yaml
  academy mission lint --strict course/*.yaml
  academy mission lint --missions course
  cat my-mission.yaml | academy mission lint -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			stdin := 0
			for _, a := range args {
				if a == "-" {
					stdin++
				}
			}
			if stdin > 1 {
				return cmdutil.Usagef("standard input (-) can be linted only once")
			}
			if stdin == 1 && opts.IO.InTTY {
				return cmdutil.Usagef("standard input is a terminal: pipe a mission in, e.g. academy mission lint - < my-mission.yaml")
			}
			opts.Files = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "fail on warnings too (exit 2)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Err: err} })
	return cmd
}

// Run lints the files, prints every problem, and returns a
// *cmdutil.UsageError summing them up when any error (or, with Strict, any
// warning) was found.
func Run(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var tally tally
	if len(opts.Files) == 0 {
		catalog := opts.Catalog()
		if err := catalog.CheckDirs(); err != nil {
			return &cmdutil.UsageError{Err: err}
		}
		files, err := catalog.Files()
		if err != nil {
			return err
		}
		for _, f := range files {
			var problems []Problem
			if data, err := f.Read(); err != nil {
				problems = []Problem{{File: f.Name, Msg: "cannot read it: " + err.Error()}}
			} else {
				problems = Mission(f.Name, data, Source{ID: f.ID, Catalog: true})
			}
			if err := tally.print(opts.IO.Out, problems); err != nil {
				return err
			}
		}
	}
	for _, name := range opts.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		var problems []Problem
		data, shown, err := read(ctx, opts.IO.In, name)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			problems = []Problem{{File: shown, Msg: err.Error()}}
		default:
			var src Source
			if name != "-" {
				src.ID = IDFromName(name)
			}
			problems = Mission(shown, data, src)
		}
		if err := tally.print(opts.IO.Out, problems); err != nil {
			return err
		}
	}
	return tally.result(opts.Strict)
}

// read returns a mission file's bytes, at most mission.MaxFileSize, and the
// name to show for it. Standard input is read so that Ctrl-C ends the wait.
func read(ctx context.Context, stdin io.Reader, name string) (data []byte, shown string, err error) {
	if name != "-" {
		// Stat, never open, what may be a folder or a FIFO.
		if fi, err := os.Stat(name); err == nil && fi.IsDir() {
			return nil, name, fmt.Errorf("is a folder: lint its files (%s), or lint it as academy does: academy mission lint --missions %s",
				filepath.Join(name, "*.yaml"), name)
		}
		data, err = mission.ReadFile(name)
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, name, errors.New("no such file")
		case errors.As(err, &pe):
			return nil, name, fmt.Errorf("cannot read it: %w", pe.Err)
		case err != nil:
			return nil, name, fmt.Errorf("cannot read it: %w", err)
		}
		return data, name, nil
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(stdin, mission.MaxFileSize+1))
		done <- result{data, err}
	}()
	select {
	case <-ctx.Done():
		return nil, stdinName, ctx.Err()
	case r := <-done:
		switch {
		case r.err != nil:
			return nil, stdinName, fmt.Errorf("cannot read it: %w", r.err)
		case len(r.data) > mission.MaxFileSize:
			return nil, stdinName, fmt.Errorf("larger than %d KiB: a mission file is a few kilobytes", mission.MaxFileSize>>10)
		}
		return r.data, stdinName, nil
	}
}

// tally counts what was printed, for the closing summary and exit code.
type tally struct {
	files, errors, warnings, failing int
}

// print writes each problem on one line, through the sanitiser every
// string from outside goes through: a mission file is hostile input.
func (t *tally) print(w io.Writer, problems []Problem) error {
	t.files++
	errs, warns := 0, 0
	for _, p := range problems {
		if p.Warning {
			warns++
		} else {
			errs++
		}
		if _, err := fmt.Fprintln(w, report.CleanLine(p.String())); err != nil {
			return err
		}
	}
	t.errors += errs
	t.warnings += warns
	if errs > 0 || warns > 0 {
		t.failing++
	}
	return nil
}

func (t *tally) result(strict bool) error {
	if t.errors == 0 && (!strict || t.warnings == 0) {
		return nil
	}
	var parts []string
	if t.errors > 0 {
		parts = append(parts, plural(t.errors, "error"))
	}
	if t.warnings > 0 {
		parts = append(parts, plural(t.warnings, "warning"))
	}
	msg := fmt.Sprintf("%s in %d of %s", strings.Join(parts, " and "), t.failing, plural(t.files, "file"))
	if t.errors == 0 {
		msg += " (--strict: warnings fail)"
	}
	return &cmdutil.UsageError{Err: errors.New(msg)}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
