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
	// MaxImages bounds the images of one archive: manifest.json entries,
	// and the platform images under one index.json entry.
	MaxImages = 10000
	// MaxDescriptors bounds the descriptors of index.json and of every
	// index and manifest under it, counted once per blob.
	MaxDescriptors = 100000
	// maxJSONObjects bounds the objects and arrays of all the JSON
	// documents of an archive: decoding costs memory per object, not only
	// per byte ({} is two bytes).
	maxJSONObjects = 200000
	// maxWalk bounds the steps of following indexes down to manifests,
	// where several indexes list the same ones.
	maxWalk = 1000000
	// maxEntries bounds the files of one archive (three per layer at most in
	// real archives).
	maxEntries = 20000
	// maxNameLen bounds one entry's name.
	maxNameLen = 1024
	// maxLinkHops bounds symlink chains, as the kernel's ELOOP does.
	maxLinkHops = 40
	// maxLookups bounds the work of following links in one archive.
	maxLookups = 1000000
	// DefaultMaxExpansion is the ratio of all decompressed bytes to the
	// archive's size beyond which, past the first GiB, an archive is taken
	// for a compression bomb.
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
	// MaxExpansion is the ratio of all decompressed bytes (the archive's
	// own stream and its compressed layers together) to the bytes read
	// beyond which, past the first GiB, the archive is refused as a
	// compression bomb; 0 means DefaultMaxExpansion, negative no limit.
	MaxExpansion int
}

// Verify reads a docker save archive from r once and reports what it holds.
// An archive that is not valid gives an *InvalidError; any other error is an
// I/O failure or ctx's error. Verify returns soon after ctx is done, even
// while a read from r blocks (r is then left to a goroutine that ends when
// that read returns).
//
// When r is seekable (an *os.File on a regular file, a *bytes.Reader) and
// not compressed, blobs are hashed on several cores at once; otherwise r is
// read as a stream.
func Verify(ctx context.Context, r io.Reader, opts Options) (*Report, error) {
	_, rep, err := verify(ctx, r, opts)
	return rep, err
}

// verify is Verify, also returning the verifier for tests that check what
// it spent.
func verify(ctx context.Context, r io.Reader, opts Options) (*verifier, *Report, error) {
	v := newVerifier(opts)
	if err := ctx.Err(); err != nil {
		return v, nil, err
	}
	if ras, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if start, err := ras.Seek(0, io.SeekCurrent); err == nil {
			if end, err := ras.Seek(0, io.SeekEnd); err == nil && end >= start {
				rep, err := v.run(ctx, end-start, func() error { return v.verifyAt(ctx, ras, start, end-start) })
				return v, rep, err
			}
		}
	}
	rep, err := v.run(ctx, -1, func() error { return v.verifyStream(ctx, r) })
	return v, rep, err
}

// VerifyFile verifies the archive at path. A missing file gives an error
// wrapping os.ErrNotExist; a directory gives an *InvalidError. A FIFO or a
// device is read as a stream; opening a FIFO that no one writes to waits
// only until ctx is done.
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, invalidf("%s is a directory, not a docker save archive", q(path))
	}
	f, err := openFile(ctx, path, fi)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fi.Mode().IsRegular() {
		return Verify(ctx, struct{ io.Reader }{f}, opts)
	}
	return Verify(ctx, f, opts)
}

// verifier holds the state of one verification.
type verifier struct {
	opts      Options
	expansion int64 // MaxExpansion resolved; <0 means none

	read     atomic.Int64 // bytes read from the source, for progress and Report.Size
	expanded atomic.Int64 // bytes decompressed, from every stream of the archive

	ioMu  sync.Mutex
	ioErr error // the first failure of the source itself

	jsonBudget atomic.Int64
	bigWindow  windowToken

	entries  []*entry
	byName   map[string]*entry
	dups     [][2]*entry
	lookups  int    // steps spent following links
	lastName string // the last entry read, for messages

	format      Format
	compression string

	// What resolving costs, for the limits and for tests that prove them.
	jsonObjects int                     // objects and arrays of the documents decoded
	parsed      map[string]int          // how often each document was decoded, by entry
	walkSteps   int                     // descriptors followed and images gathered
	configs     map[*entry]*imageConfig // configs decoded, by entry
	warnings    []string
}

func newVerifier(opts Options) *verifier {
	v := &verifier{opts: opts, byName: make(map[string]*entry), parsed: make(map[string]int), configs: make(map[*entry]*imageConfig)}
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
	rep, err := v.resolve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	rep.Compression = v.compression
	rep.Size = v.read.Load()
	if total >= 0 {
		rep.Size = total
	}
	rep.Warnings = v.warnings
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
		what = q(v.lastName)
	}
	var se *streamError
	if errors.As(err, &se) {
		where := "the archive"
		if v.lastName != "" {
			where = "the archive (after " + q(v.lastName) + ")"
		}
		return streamReason(se, where)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return invalidf("the archive is truncated: %s ends early", what)
	}
	return invalidf("the archive is corrupted at %s: %s", what, safeText(firstLine(err.Error())))
}

// source wraps what a seekable archive is read from: it counts bytes, stops
// on cancellation and remembers the source's own failures, so they are not
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
