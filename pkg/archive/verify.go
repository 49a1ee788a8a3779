package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on what an archive may ask of the verifier. Real docker save
// archives are far below them; hostile ones stop here instead of eating
// memory or time.
const (
	// MaxJSONSize is the largest manifest, index or config that is read into
	// memory; docker save writes them in kilobytes.
	MaxJSONSize = 16 << 20
	// maxEntries bounds the files of one archive (three per layer at most in
	// real archives).
	maxEntries = 20000
	// maxNameLen bounds one entry's name.
	maxNameLen = 1024
	// maxLinkHops bounds symlink chains, as the kernel's ELOOP does.
	maxLinkHops = 40
	// maxLookups bounds the work of following links in one archive.
	maxLookups = 200000
	// DefaultMaxExpansion is the decompressed/compressed ratio beyond which
	// a compressed stream is taken for a compression bomb (past 1 GiB).
	DefaultMaxExpansion = 200
)

// Variables rather than constants so that tests can reach them quickly.
var (
	// maxJSONTotal bounds all the JSON documents of one archive together.
	maxJSONTotal int64 = 32 << 20
	// expansionFloor is how much decompressed data is always allowed before
	// the expansion ratio is enforced.
	expansionFloor int64 = 1 << 30
)

// Options tune a verification.
type Options struct {
	// Progress, when set, is called with the bytes read so far and the
	// total (-1 when unknown, as on a pipe), about ten times a second and
	// once at the end. It is called from one goroutine at a time.
	Progress func(read, total int64)
	// Workers is how many blobs are hashed at once when the archive is an
	// uncompressed, seekable file; 0 means one per CPU.
	Workers int
	// MaxExpansion is the ratio of decompressed to compressed bytes beyond
	// which, past the first GiB, a compressed archive or layer is refused as
	// a compression bomb; 0 means DefaultMaxExpansion, negative no limit.
	MaxExpansion int
}

// Verify reads a docker save archive from r once and reports what it holds.
// An archive that is not valid gives an *InvalidError; any other error is an
// I/O failure or ctx's error.
//
// When r is seekable (an *os.File on a regular file, a *bytes.Reader) and
// not compressed, blobs are hashed on several cores at once; otherwise r is
// read as a stream.
func Verify(ctx context.Context, r io.Reader, opts Options) (*Report, error) {
	v := newVerifier(opts)
	if ras, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if start, err := ras.Seek(0, io.SeekCurrent); err == nil {
			if end, err := ras.Seek(0, io.SeekEnd); err == nil && end >= start {
				return v.run(ctx, end-start, func() error { return v.verifyAt(ctx, ras, start, end-start) })
			}
		}
	}
	return v.run(ctx, -1, func() error { return v.verifyStream(ctx, r) })
}

// VerifyFile verifies the archive at path. A missing file gives an error
// wrapping os.ErrNotExist; a directory gives an *InvalidError.
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, invalidf("%s is a directory, not a docker save archive", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fi.Mode().IsRegular() {
		// A FIFO or a device: read it as a stream.
		return Verify(ctx, struct{ io.Reader }{f}, opts)
	}
	return Verify(ctx, f, opts)
}

// verifier holds the state of one verification.
type verifier struct {
	opts      Options
	expansion int64 // MaxExpansion resolved; <0 means none

	read atomic.Int64 // bytes read from the source, for progress and Report.Size

	ioMu  sync.Mutex
	ioErr error // the first failure of the source itself

	jsonBudget atomic.Int64

	entries  []*entry
	byName   map[string]*entry
	dups     [][2]*entry
	lookups  int    // steps spent following links
	lastName string // the last entry read, for messages

	format      Format
	compression string
}

func newVerifier(opts Options) *verifier {
	v := &verifier{opts: opts, byName: make(map[string]*entry)}
	switch {
	case opts.MaxExpansion == 0:
		v.expansion = DefaultMaxExpansion
	case opts.MaxExpansion < 0:
		v.expansion = -1
	default:
		v.expansion = int64(opts.MaxExpansion)
	}
	v.jsonBudget.Store(maxJSONTotal)
	return v
}

func (v *verifier) workers() int {
	if v.opts.Workers > 0 {
		return v.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// run calls verify, reporting progress meanwhile, then cross-checks what
// was read.
func (v *verifier) run(ctx context.Context, total int64, verify func() error) (*Report, error) {
	if v.opts.Progress != nil {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					v.opts.Progress(v.read.Load(), total)
				}
			}
		}()
		defer func() {
			close(done)
			wg.Wait()
			v.opts.Progress(v.read.Load(), total)
		}()
	}
	if err := verify(); err != nil {
		return nil, v.classify(ctx, err)
	}
	rep, err := v.resolve()
	if err != nil {
		return nil, err
	}
	rep.Compression = v.compression
	rep.Size = v.read.Load()
	if total >= 0 {
		rep.Size = total
	}
	return rep, nil
}

// classify turns an error met while reading into what Verify returns: the
// context's error, an I/O error of the source, or the archive's fault.
func (v *verifier) classify(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := v.sourceErr(); err != nil {
		return fmt.Errorf("reading the archive: %w", err)
	}
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv
	}
	what := "the archive"
	if v.lastName != "" {
		what = v.lastName
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return invalidf("the archive is truncated: %s ends early", what)
	}
	return invalidf("the archive is corrupted at %s: %v", what, err)
}

// source wraps what the archive is read from: it counts bytes, stops on
// cancellation and remembers the source's own failures, so they are not
// blamed on the archive.
type source struct {
	ctx context.Context
	r   io.Reader
	v   *verifier
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.v.read.Add(int64(n))
	if err != nil && err != io.EOF {
		s.v.setSourceErr(err)
	}
	return n, err
}

func (v *verifier) setSourceErr(err error) {
	v.ioMu.Lock()
	defer v.ioMu.Unlock()
	if v.ioErr == nil {
		v.ioErr = err
	}
}

// sourceErr is the first error of the source itself, if any.
func (v *verifier) sourceErr() error {
	v.ioMu.Lock()
	defer v.ioMu.Unlock()
	return v.ioErr
}
