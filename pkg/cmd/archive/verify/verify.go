package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/report"
)

// VerifyOptions are everything `academy archive verify` needs, parsed and
// validated.
type VerifyOptions struct {
	IO      *cmdutil.IOStreams
	Context context.Context

	// Files are the archives to verify; "-" is standard input.
	Files []string
	// Outputs are the reports to write, as -o gives them.
	Outputs []report.Output
	// ProgressOver is the archive size from which a progress bar is shown
	// on a terminal.
	ProgressOver int64
}

// NewCmdVerify returns the verify command. runF replaces the run function
// in tests of flag parsing.
func NewCmdVerify(streams *cmdutil.IOStreams, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: streams, ProgressOver: 100_000_000}
	var outputs []string
	cmd := &cobra.Command{
		Use:   "verify FILE...",
		Short: "Check that docker save archives are complete and uncorrupted",
		Long: `Verify reads each docker save archive once, hashes every blob and checks it
against its name, the manifests and the image config, and reports the images it
holds: tags, image ID, manifest digest, layers and the layout it recognized
(Docker ≤24, Docker 25+ OCI layout, containerd image store, Podman). Archives
may be compressed with gzip, bzip2, xz or zstd. No Docker daemon is needed.

FILE "-" reads standard input. Reports come in the formats of academy check:
each archive is one entry (valid or not), each image of it one line; -o json
adds "archives", with every layer.

Exit codes: 0 every archive is valid, 1 one is not (the report says why),
2 usage error.`,
		Example: `  academy archive verify my-app.tar
  docker save my-app:v1 | academy archive verify -
  academy archive verify -o json *.tar
  academy archive verify my-app.tar -o junit=archives.xml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.Usagef("verify needs an archive, e.g. academy archive verify my-app.tar (- reads standard input)")
			}
			stdin := 0
			for _, a := range args {
				if a == "-" {
					stdin++
				}
			}
			if stdin > 1 {
				return cmdutil.Usagef("standard input (-) can be verified only once")
			}
			if stdin == 1 && streams.InTTY {
				return cmdutil.Usagef("standard input is a terminal: pipe an archive in, e.g. docker save my-app:v1 | academy archive verify -")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Outputs, err = report.ParseOutputs(outputs); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			opts.Files = args
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().StringArrayVarP(&outputs, "output", "o", nil, "report `FORMAT[=FILE]`: "+strings.Join(report.Names(), " | ")+"; repeatable, at most one to stdout, each file named once")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Err: err} })
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.Names(), cobra.ShellCompDirectiveNoSpace
	})
	return cmd
}

// result is the outcome for one archive.
type result struct {
	file   string
	report *archive.Report
	reason string // why the archive is not valid; "" when it is
}

func verifyRun(opts *VerifyOptions) error {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	var results []result
	failed := false
	for _, file := range opts.Files {
		res, err := verifyOne(ctx, opts, file)
		if err != nil {
			return err
		}
		failed = failed || res.reason != ""
		results = append(results, res)
	}
	if err := writeReports(ctx, opts, resultOf(results, time.Since(start)), results); err != nil {
		return err
	}
	if failed {
		return cmdutil.ErrFailed
	}
	return nil
}

// writeReports renders every requested output, as check does.
func writeReports(ctx context.Context, opts *VerifyOptions, res *check.Result, results []result) error {
	file := report.Options{Noun: "archives", AllChecks: true, Extra: map[string]any{"archives": jsonArchives(results)}}
	var errs []error
	for _, o := range opts.Outputs {
		r, _ := report.Lookup(o.Format)
		if o.File == "" {
			term := file
			term.Color, term.Width = opts.IO.ColorOut(), opts.IO.TerminalWidth
			if err := report.Write(ctx, opts.IO.Out, func(w io.Writer) error { return r.Render(w, res, term) }); err != nil {
				errs = append(errs, fmt.Errorf("writing the %s report: %w", o.Format, err))
			}
			continue
		}
		if err := report.WriteFile(ctx, o.File, func(w io.Writer) error { return r.Render(w, res, file) }); err != nil {
			errs = append(errs, fmt.Errorf("writing the %s report to %s: %w", o.Format, o.File, err))
		}
	}
	return errors.Join(errs...)
}

// verifyOne verifies one archive. Only an interruption is an error: an
// archive that is invalid, missing or unreadable is a result with a reason.
func verifyOne(ctx context.Context, opts *VerifyOptions, file string) (result, error) {
	var vo archive.Options
	var bar *progressBar
	if opts.IO.ErrTTY {
		bar = &progressBar{w: opts.IO.ErrOut, name: barName(displayName(file)), over: opts.ProgressOver}
		vo.Progress = bar.update
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() && file != "-" {
		return result{file: file, reason: "it is a folder, not a docker save archive"}, nil
	}
	var rep *archive.Report
	var err error
	if file == "-" {
		rep, err = archive.Verify(ctx, opts.IO.In, vo)
	} else {
		rep, err = archive.VerifyFile(ctx, file, vo)
	}
	if bar != nil {
		bar.clear()
	}
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	res := result{file: file, report: rep}
	var inv *archive.InvalidError
	switch {
	case err == nil:
	case errors.As(err, &inv):
		res.reason = inv.Reason
	case errors.Is(err, os.ErrNotExist):
		res.reason = "no such file"
	default:
		res.reason = "cannot read it: " + err.Error()
	}
	return res, nil
}

// barName keeps the end of a long name: the bar must stay on one line of
// the terminal, or \r cannot redraw it.
func barName(name string) string {
	const most = 40
	if r := []rune(name); len(r) > most {
		return "…" + string(r[len(r)-most+1:])
	}
	return name
}

// displayName names an archive for people, safe to print: a file name
// comes from a flag and may hold anything.
func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return report.CleanLine(file)
}
