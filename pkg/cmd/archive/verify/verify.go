package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/cmdutil"
)

// VerifyOptions are everything `academy archive verify` needs, parsed and
// validated.
type VerifyOptions struct {
	IO      *cmdutil.IOStreams
	Context context.Context

	// Files are the archives to verify; "-" is standard input.
	Files []string
	// JSON selects the JSON document instead of text.
	JSON bool
	// ProgressOver is the archive size from which a progress bar is shown
	// on a terminal.
	ProgressOver int64
}

// NewCmdVerify returns the verify command. runF replaces the run function
// in tests of flag parsing.
func NewCmdVerify(streams *cmdutil.IOStreams, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: streams, ProgressOver: 100_000_000}
	var output string
	cmd := &cobra.Command{
		Use:   "verify FILE...",
		Short: "Check that docker save archives are complete and uncorrupted",
		Long: `Verify reads each docker save archive once, hashes every blob and checks it
against its name, the manifests and the image config, and prints the images it
holds: tags, image ID, manifest digest, layers and the layout it recognized
(Docker ≤24, Docker 25+ OCI layout, containerd image store, Podman). Archives
may be compressed with gzip, bzip2, xz or zstd. No Docker daemon is needed.

FILE "-" reads standard input.

Exit codes: 0 every archive is valid, 1 one is not (the reason is printed),
2 usage error.`,
		Example: `  academy archive verify my-app.tar
  docker save my-app:v1 | academy archive verify -
  academy archive verify -o json *.tar`,
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
			switch output {
			case "text":
			case "json":
				opts.JSON = true
			default:
				return cmdutil.Usagef("unknown output format %q: use text or json", output)
			}
			opts.Files = args
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.UsageError{Err: err} })
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
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
	var results []result
	failed := false
	for _, file := range opts.Files {
		res, err := verifyOne(ctx, opts, file)
		if err != nil {
			return err
		}
		if res.reason != "" {
			failed = true
		}
		if !opts.JSON {
			if err := printText(opts.IO, res); err != nil {
				return err
			}
		}
		results = append(results, res)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonDocument(results)); err != nil {
			return err
		}
	}
	if failed {
		return cmdutil.ErrFailed
	}
	return nil
}

// verifyOne verifies one archive. Only an interruption is an error: an
// archive that is invalid, missing or unreadable is a result with a reason.
func verifyOne(ctx context.Context, opts *VerifyOptions, file string) (result, error) {
	var vo archive.Options
	var bar *progressBar
	if opts.IO.ErrTTY && !opts.JSON {
		bar = &progressBar{w: opts.IO.ErrOut, name: displayName(file), over: opts.ProgressOver}
		vo.Progress = bar.update
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

func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

var formatNames = map[archive.Format]string{
	archive.FormatDocker:     "Docker ≤24 layout",
	archive.FormatOCI:        "Docker 25+ OCI layout",
	archive.FormatContainerd: "containerd image store layout",
	archive.FormatPodman:     "Podman docker-archive",
}

// imageID is the ID a daemon of the archive's kind gives the image: the
// target digest on the containerd store, the config digest otherwise.
func imageID(format archive.Format, img archive.Image) string {
	if format == archive.FormatContainerd && img.Target != "" {
		return img.Target.String()
	}
	return img.Config.String()
}

func printText(io *cmdutil.IOStreams, res result) error {
	w := &errWriter{w: io.Out}
	name := displayName(res.file)
	mark := func(ok bool) string {
		if !io.OutTTY {
			return ""
		}
		sym, color := "✓ ", "\033[32m"
		if !ok {
			sym, color = "✗ ", "\033[31m"
		}
		if io.ColorOut() {
			return color + sym + "\033[0m"
		}
		return sym
	}
	if res.reason != "" {
		w.printf("%s%s: invalid: %s\n", mark(false), name, res.reason)
		return w.err
	}
	rep := res.report
	details := []string{formatNames[rep.Format]}
	if rep.Compression != "" {
		details = append(details, rep.Compression+"-compressed")
	}
	details = append(details, archive.HumanSize(rep.Size))
	w.printf("%s%s: valid docker save archive (%s)\n", mark(true), name, strings.Join(details, ", "))
	for _, img := range rep.Images {
		label := strings.Join(img.RepoTags, ", ")
		if label == "" {
			label = strings.Join(img.Names, ", ")
		}
		if label == "" {
			label = "(no name: saved by ID)"
		}
		w.printf("  %s\n", label)
		id := imageID(rep.Format, img)
		w.printf("    image ID  %s\n", id)
		if img.Config.String() != id {
			w.printf("    config    %s\n", img.Config)
		}
		if img.Manifest != "" && img.Manifest.String() != id {
			w.printf("    manifest  %s\n", img.Manifest)
		}
		if img.Target != "" && img.Target.String() != id && img.Target != img.Manifest {
			w.printf("    target    %s\n", img.Target)
		}
		if len(img.RepoTags) > 0 && len(img.Names) > 0 {
			w.printf("    names     %s\n", strings.Join(img.Names, ", "))
		}
		if img.Platform != "" {
			w.printf("    platform  %s\n", img.Platform)
		}
		if len(img.Platforms) > 1 {
			w.printf("    platforms %s\n", strings.Join(img.Platforms, ", "))
		}
		var total int64
		for _, l := range img.Layers {
			total += l.Size
		}
		w.printf("    layers    %d, %s\n", len(img.Layers), archive.HumanSize(total))
		for _, l := range img.Layers {
			w.printf("      %s  %s\n", l.Digest, archive.HumanSize(l.Size))
		}
	}
	return w.err
}

// errWriter keeps the first write error, so printing needs no check per line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// The JSON document, schemaVersion 1: a contract with scripts. Every key is
// always present; arrays are never null.
type (
	jsonDoc struct {
		SchemaVersion int           `json:"schemaVersion"`
		Archives      []jsonArchive `json:"archives"`
	}
	jsonArchive struct {
		File        string      `json:"file"`
		Valid       bool        `json:"valid"`
		Reason      string      `json:"reason"`
		Format      string      `json:"format"`
		Compression string      `json:"compression"`
		Size        int64       `json:"size"`
		Images      []jsonImage `json:"images"`
	}
	jsonImage struct {
		RepoTags  []string    `json:"repoTags"`
		Names     []string    `json:"names"`
		ID        string      `json:"id"`
		Config    string      `json:"config"`
		Manifest  string      `json:"manifest"`
		Target    string      `json:"target"`
		Platform  string      `json:"platform"`
		Platforms []string    `json:"platforms"`
		Layers    []jsonLayer `json:"layers"`
	}
	jsonLayer struct {
		Digest    string `json:"digest"`
		DiffID    string `json:"diffID"`
		Size      int64  `json:"size"`
		MediaType string `json:"mediaType"`
	}
)

func jsonDocument(results []result) jsonDoc {
	doc := jsonDoc{SchemaVersion: 1, Archives: []jsonArchive{}}
	for _, res := range results {
		a := jsonArchive{File: res.file, Valid: res.reason == "", Reason: res.reason, Images: []jsonImage{}}
		if rep := res.report; rep != nil {
			a.Format, a.Compression, a.Size = string(rep.Format), rep.Compression, rep.Size
			if a.Compression == "" {
				a.Compression = "none"
			}
			for _, img := range rep.Images {
				ji := jsonImage{
					RepoTags: nonNil(img.RepoTags), Names: nonNil(img.Names),
					ID: imageID(rep.Format, img), Config: img.Config.String(),
					Manifest: img.Manifest.String(), Target: img.Target.String(),
					Platform: img.Platform, Platforms: nonNil(img.Platforms),
					Layers: []jsonLayer{},
				}
				for _, l := range img.Layers {
					ji.Layers = append(ji.Layers, jsonLayer{Digest: l.Digest.String(), DiffID: l.DiffID.String(), Size: l.Size, MediaType: l.MediaType})
				}
				a.Images = append(a.Images, ji)
			}
		}
		doc.Archives = append(doc.Archives, a)
	}
	return doc
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// progressBar draws one line on a terminal's standard error while a large
// archive is read.
type progressBar struct {
	w     io.Writer
	name  string
	over  int64
	shown bool
}

func (p *progressBar) update(read, total int64) {
	if (total >= 0 && total < p.over) || (total < 0 && read < p.over) {
		return
	}
	p.shown = true
	if total <= 0 {
		fmt.Fprintf(p.w, "\r\033[Kverifying %s  %s", p.name, archive.HumanSize(read))
		return
	}
	const width = 30
	done := int(min(read, total) * width / total)
	fmt.Fprintf(p.w, "\r\033[Kverifying %s  [%s%s] %3d%%  %s / %s", p.name,
		strings.Repeat("=", done), strings.Repeat(" ", width-done),
		min(read, total)*100/total, archive.HumanSize(read), archive.HumanSize(total))
}

func (p *progressBar) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
