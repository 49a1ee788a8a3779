package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Memory caps of the decompressors. docker load accepts more (zstd windows
// up to 512 MiB, any xz dictionary), but no archive written by docker save
// and a compressor at its documented levels needs it.
const (
	// MaxZstdWindow is the largest zstd window accepted: zstd's own default
	// decompression limit (--memory=128MB), which covers --long=27 and
	// --ultra -22.
	MaxZstdWindow = 128 << 20
	// smallZstdWindow is what zstd and klauspost use up to level 19 (8 MiB).
	// Larger windows are decoded one stream at a time (see bigWindow).
	smallZstdWindow = 8 << 20
	// MaxXzDict is the largest xz dictionary accepted: xz -9's.
	MaxXzDict = 64 << 20
)

// Magic numbers of the compressions docker load accepts.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// isZstd says whether head starts a zstd stream: a frame, or a skippable
// frame (0x184D2A5?) as pzstd writes first.
func isZstd(head []byte) bool {
	if bytes.HasPrefix(head, magicZstd) {
		return true
	}
	return len(head) >= 4 && head[0]&0xf0 == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18
}

func compressionOf(head []byte) string {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return "gzip"
	case bytes.HasPrefix(head, magicBzip2):
		return "bzip2"
	case bytes.HasPrefix(head, magicXz):
		return "xz"
	case isZstd(head):
		return "zstd"
	}
	return ""
}

// streamError is a failure of a compressed stream, as opposed to a failure
// of the tar it holds.
type streamError struct {
	kind string // gzip, bzip2, xz, zstd
	err  error
}

func (e *streamError) Error() string { return e.kind + " stream: " + e.err.Error() }
func (e *streamError) Unwrap() error { return e.err }

// streamReader marks every error of a decompressor, but EOF, as a
// streamError, so that a reason can blame the stream rather than the tar.
type streamReader struct {
	r    io.Reader
	kind string
}

func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		var inv *InvalidError
		var se *streamError
		if !errors.As(err, &inv) && !errors.As(err, &se) {
			err = &streamError{kind: s.kind, err: err}
		}
	}
	return n, err
}

// streamReason says what is wrong with a compressed stream in one line.
func streamReason(se *streamError, where string) error {
	if errors.Is(se.err, zstd.ErrWindowSizeExceeded) || errors.Is(se.err, zstd.ErrDecoderSizeExceeded) {
		return invalidf("%s is zstd-compressed with a window larger than the %s academy accepts (zstd's own default limit; recompress without --long above 27)",
			where, HumanSize(MaxZstdWindow))
	}
	if errors.Is(se.err, io.ErrUnexpectedEOF) {
		return invalidf("%s is truncated: its %s stream ends early", where, se.kind)
	}
	return invalidf("%s is corrupt: its %s stream does not decompress (%s)", where, se.kind, safeText(firstLine(se.err.Error())))
}

// decompressor opens the compressed stream of a whole archive. The
// returned close must be called once the stream is no longer read.
func (v *verifier) decompressor(ctx context.Context, kind string, br *bufio.Reader) (io.Reader, func(), error) {
	nop := func() {}
	var dec io.Reader
	closeDec := nop
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nop, &streamError{kind: kind, err: err}
		}
		dec = zr
	case "bzip2":
		z := newBzip2Reader(ctx, br, 0)
		dec, closeDec = z, z.close
	case "xz":
		zr, err := xz.NewReader(&xzGuard{r: br})
		if err != nil {
			var inv *InvalidError
			if errors.As(err, &inv) {
				return nil, nop, err
			}
			return nil, nop, &streamError{kind: kind, err: err}
		}
		dec = zr
	case "zstd":
		zr, release, err := v.newZstd(br, 2, true, "the archive")
		if err != nil {
			return nil, nop, err
		}
		dec, closeDec = zr, func() { zr.Close(); release() }
	default:
		return nil, nop, fmt.Errorf("unknown compression %s", kind)
	}
	return &streamReader{r: dec, kind: kind}, closeDec, nil
}

// newZstd opens a zstd stream at the head of br. A stream whose first frame
// declares a window over smallZstdWindow needs the verifier's one big-window
// token: the whole archive takes it if it needs it; a layer waits for it
// when several are hashed at once, and is refused when the archive's own
// stream holds it (they would both be in memory). The returned release
// gives the token back.
func (v *verifier) newZstd(br *bufio.Reader, concurrency int, outer bool, what string) (*zstd.Decoder, func(), error) {
	window := uint64(smallZstdWindow)
	if w := firstZstdWindow(br); w > smallZstdWindow {
		if w > MaxZstdWindow {
			return nil, func() {}, invalidf("%s is zstd-compressed with a %s window, more than the %s academy accepts (zstd's own default limit; recompress without --long above 27)",
				what, HumanSize(int64(w)), HumanSize(MaxZstdWindow))
		}
		if !v.bigWindow.acquire(outer) {
			return nil, func() {}, invalidf("%s is zstd-compressed with a %s window inside an archive that is itself zstd-compressed with a large window; academy decodes one stream with a window over %s at a time",
				what, HumanSize(int64(w)), HumanSize(smallZstdWindow))
		}
		window = MaxZstdWindow
	}
	release := func() {}
	if window > smallZstdWindow {
		var once sync.Once
		release = func() { once.Do(v.bigWindow.release) }
	}
	zr, err := zstd.NewReader(br,
		zstd.WithDecoderConcurrency(concurrency),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(window),
		zstd.WithDecoderMaxMemory(window))
	if err != nil {
		release()
		return nil, func() {}, &streamError{kind: "zstd", err: err}
	}
	return zr, release, nil
}

// firstZstdWindow is the window the first frame of the zstd stream at the
// head of br declares (past skippable frames); 0 if it cannot tell.
func firstZstdWindow(br *bufio.Reader) uint64 {
	skip := 0
	for range 8 {
		head, _ := br.Peek(min(skip+zstd.HeaderMaxSize, br.Size()))
		if len(head) <= skip {
			return 0
		}
		var h zstd.Header
		if err := h.Decode(head[skip:]); err != nil {
			return 0
		}
		if !h.Skippable {
			if h.SingleSegment {
				return h.FrameContentSize
			}
			return h.WindowSize
		}
		skip += h.HeaderSize + int(h.SkippableSize)
		if skip >= br.Size() {
			return 0
		}
	}
	return 0
}

// windowToken is the one licence to decode a zstd stream with a big
// window.
type windowToken struct {
	mu    sync.Mutex
	cond  *sync.Cond
	held  bool
	outer bool // held by the archive's own stream
}

// acquire takes the token, waiting for a layer that holds it; it fails at
// once when the archive's own stream holds it (that one is released only at
// the end).
func (t *windowToken) acquire(outer bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cond == nil {
		t.cond = sync.NewCond(&t.mu)
	}
	for t.held {
		if t.outer {
			return false
		}
		t.cond.Wait()
	}
	t.held, t.outer = true, outer
	return true
}

func (t *windowToken) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.held, t.outer = false, false
	if t.cond != nil {
		t.cond.Broadcast()
	}
}

// budgetReader counts what a decompressor yields against the verifier's
// one budget for the whole archive: past expansionFloor, all the
// decompressed bytes together (the archive's own stream and every layer's)
// may not exceed MaxExpansion times the bytes read from the file.
type budgetReader struct {
	r    io.Reader
	v    *verifier
	what string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err2 := b.v.spend(int64(n), b.what); err2 != nil {
		return n, err2
	}
	return n, err
}

// spend adds n decompressed bytes to the archive's budget.
func (v *verifier) spend(n int64, what string) error {
	total := v.expanded.Add(n)
	if v.expansion < 0 || total <= expansionFloor {
		return nil
	}
	if total > v.expansion*max(v.read.Load(), 1) {
		return invalidf("%s decompresses to more than %d times the archive's size: a compression bomb, not a docker save archive", what, v.expansion)
	}
	return nil
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
