package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

type entryType int

const (
	typeFile entryType = iota
	typeDir
	typeSymlink
	typeHardlink
	typeOther
)

// entry is one file of the archive, as far as verification needs it: never
// its content, only digests and small JSON documents.
type entry struct {
	name   string // cleaned, relative to the archive's root
	typ    entryType
	target string // links: the cleaned name linked to
	size   int64
	offset int64 // seekable archives: where the content starts
	blob   blob
}

// verifyAt verifies an archive it can read at will: the tar headers are
// read first (skipping the contents), then the contents are hashed by
// several workers at once.
func (v *verifier) verifyAt(ctx context.Context, ra io.ReaderAt, start, size int64) error {
	if size == 0 {
		return invalidf("the archive is empty")
	}
	head := make([]byte, 8)
	n, _ := ra.ReadAt(head, start)
	if c := compressionOf(head[:n]); c != "" {
		return v.verifyStream(ctx, io.NewSectionReader(ra, start, size))
	}

	sr := io.NewSectionReader(ra, start, size)
	tr := tar.NewReader(sr)
	var end int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			pos, _ := sr.Seek(0, io.SeekCurrent)
			if err := v.checkEnd(pos, end); err != nil {
				return err
			}
			break
		}
		if err != nil {
			first := make([]byte, 512)
			n, _ := ra.ReadAt(first, start)
			return v.headerErr(err, first[:n])
		}
		pos, _ := sr.Seek(0, io.SeekCurrent)
		e, err := v.add(hdr, pos)
		if err != nil {
			return err
		}
		end = pos + blocks(dataSize(hdr))
		if e != nil && pos+e.size > size {
			// tar's Next notices this too, but only when it skips the
			// content; say it plainly now.
			return invalidf("the archive is truncated: %s declares %d bytes, more than the file holds", q(e.name), e.size)
		}
	}
	var files []*entry
	var content int64
	for _, e := range v.entries {
		if e.typ == typeFile {
			files = append(files, e)
			content += e.size
		}
	}
	// Headers count as read now; the workers add the contents.
	v.read.Store(size - content)
	// Largest first, so the workers finish together.
	sort.SliceStable(files, func(i, j int) bool { return files[i].size > files[j].size })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		spare    bool // fewer big files than cores
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	work := func() {
		defer wg.Done()
		h := newHasher(v)
		defer h.close()
		for {
			mu.Lock()
			if next == len(files) || firstErr != nil {
				mu.Unlock()
				return
			}
			e := files[next]
			next++
			mu.Unlock()
			var src io.Reader = &source{ctx: ctx, r: io.NewSectionReader(ra, start+e.offset, e.size), v: v}
			var ahead *readAhead
			if spare && e.size >= bigFile {
				// A core would idle: let it read while this one hashes.
				ahead = newReadAhead(ctx, src)
				src = ahead
			}
			b, err := h.hash(e.name, src, e.size)
			if ahead != nil {
				ahead.close()
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					v.lastName = e.name
				}
				mu.Unlock()
				cancel()
				return
			}
			e.blob = b
		}
	}
	w := min(v.workers(), len(files))
	big := 0
	for _, e := range files {
		if e.size >= bigFile {
			big++
		}
	}
	spare = big < v.workers()
	wg.Add(w)
	for range w {
		go work()
	}
	wg.Wait()
	return firstErr
}

// verifyStream verifies an archive read once from start to end, maybe
// compressed.
func (v *verifier) verifyStream(ctx context.Context, r io.Reader) error {
	p := newPump(ctx, r, v)
	br := getReader(p)
	var ra *readAhead
	defer func() {
		// The pump first: what still reads from it then returns at once.
		p.close()
		if ra != nil {
			ra.close() // closes the decompressor and recycles br when safe
		} else {
			putReader(br)
		}
	}()
	head, _ := br.Peek(8)
	if len(head) == 0 {
		if _, err := br.Peek(1); err != nil && err != io.EOF {
			return err
		}
		return invalidf("the archive is empty")
	}
	v.compression = compressionOf(head)
	var tarStream io.Reader = br
	if v.compression != "" {
		dec, closeDec, err := v.decompressor(ctx, v.compression, br)
		if err != nil {
			return err
		}
		// Decompress on another core while this one hashes. The
		// decompressor is closed, and br recycled, once nothing reads them.
		ra = newReadAhead(ctx, &budgetReader{r: dec, v: v, what: "the archive"})
		ra.after = func() {
			closeDec()
			putReader(br)
		}
		tarStream = ra
	}

	cr := &countingReader{r: tarStream}
	tr := tar.NewReader(cr)
	h := newHasher(v)
	defer h.close()
	var end int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			if err := v.checkEnd(cr.n, end); err != nil {
				return err
			}
			break
		}
		if err != nil {
			return v.headerErr(err, cr.first)
		}
		e, err := v.add(hdr, cr.n)
		if err != nil {
			return err
		}
		end = cr.n + blocks(dataSize(hdr))
		if e != nil && e.typ == typeFile {
			b, err := h.hash(e.name, tr, e.size)
			if err != nil {
				return err
			}
			e.blob = b
		}
	}
	// Read what follows the end of the tar (padding, the compressed
	// stream's checksum) so that a truncated or corrupted compressed stream
	// is noticed; stop after 1 MiB of it, as docker load never reads it.
	if _, err := io.CopyN(io.Discard, cr, 1<<20); err != nil && err != io.EOF {
		v.lastName = "the end of the archive"
		return err
	}
	return nil
}

// checkEnd insists on tar's end-of-archive marker (two zero blocks), which
// docker save always writes: without it, an archive cut exactly between
// two entries would look complete.
func (v *verifier) checkEnd(pos, end int64) error {
	if len(v.entries) == 0 {
		return invalidf("the archive is an empty tar file, not a docker save archive")
	}
	if pos < end+2*512 {
		return invalidf("the archive is truncated: it ends after %s without tar's end-of-archive marker", q(v.lastName))
	}
	return nil
}

// headerErr says why tar could not read a header; first is the archive's
// first block.
func (v *verifier) headerErr(err error, first []byte) error {
	var inv *InvalidError
	var se *streamError
	if v.sourceErr() != nil || errors.As(err, &inv) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.As(err, &se) {
		// The decompressor failed, not tar: say which stream.
		return err
	}
	if len(v.entries) == 0 && v.lastName == "" {
		if len(first) == 512 && bytes.HasPrefix(first[257:], []byte("ustar")) {
			return invalidf("the archive is corrupted: its first tar header is damaged (%s)", safeText(err.Error()))
		}
		if v.compression != "" {
			return invalidf("not a docker save archive: it is %s-compressed, but what it holds is not a tar file", v.compression)
		}
		return invalidf("not a docker save archive: not a tar file (nor gzip, bzip2, xz or zstd-compressed)")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidf("the archive is truncated after %s", q(v.lastName))
	}
	return invalidf("the archive is corrupted after %s: %s", q(v.lastName), safeText(err.Error()))
}

// dataSize is the number of content bytes that follow hdr in the tar.
func dataSize(hdr *tar.Header) int64 {
	switch hdr.Typeflag {
	case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
		return 0
	}
	return hdr.Size
}

func blocks(n int64) int64 { return (n + 511) &^ 511 }

// add records the entry of hdr, whose content starts at offset. It returns
// nil for entries that matter to no check (the root folder, global
// headers).
func (v *verifier) add(hdr *tar.Header, offset int64) (*entry, error) {
	raw := hdr.Name
	if len(v.entries) >= maxEntries {
		return nil, invalidf("the archive holds more than %d files, not a docker save archive", maxEntries)
	}
	if len(raw) > maxNameLen {
		return nil, invalidf("the archive holds a file whose name is %d bytes long, not a docker save archive", len(raw))
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil, nil
	}
	if err := checkName(raw); err != nil {
		return nil, err
	}
	name := path.Clean(raw)
	v.lastName = name
	if name == "." {
		return nil, nil
	}
	if hdr.Typeflag == tar.TypeGNUSparse {
		return nil, invalidf("%s is a sparse file, which docker save never writes", q(name))
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return nil, invalidf("%s is a sparse file, which docker save never writes", q(name))
		}
	}
	e := &entry{name: name, offset: offset}
	switch hdr.Typeflag {
	case tar.TypeReg:
		e.typ = typeFile
		e.size = hdr.Size
		if isMetadataName(name) && e.size > MaxJSONSize {
			return nil, invalidf("%s is %s, more than the %s a docker save archive's %s can be",
				name, HumanSize(e.size), HumanSize(MaxJSONSize), name)
		}
	case tar.TypeDir:
		e.typ = typeDir
	case tar.TypeSymlink:
		e.typ = typeSymlink
		if path.IsAbs(hdr.Linkname) {
			return nil, invalidf("symlink %s points outside the archive (to %s)", q(name), q(hdr.Linkname))
		}
		e.target = path.Clean(path.Join(path.Dir(name), hdr.Linkname))
		if escapes(e.target) {
			return nil, invalidf("symlink %s points outside the archive (to %s)", q(name), q(hdr.Linkname))
		}
	case tar.TypeLink:
		e.typ = typeHardlink
		if path.IsAbs(hdr.Linkname) || escapes(path.Clean(hdr.Linkname)) {
			return nil, invalidf("hard link %s points outside the archive (to %s)", q(name), q(hdr.Linkname))
		}
		e.target = path.Clean(hdr.Linkname)
	default:
		e.typ = typeOther
	}
	if prev, ok := v.byName[name]; ok {
		v.dups = append(v.dups, [2]*entry{prev, e})
	} else {
		v.byName[name] = e
	}
	v.entries = append(v.entries, e)
	return e, nil
}

// checkName refuses names that would land outside the folder the archive
// is extracted to.
func checkName(name string) error {
	if strings.HasPrefix(name, "/") {
		return invalidf("the archive holds %s, an absolute name", q(name))
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return invalidf("the archive holds %s, a name that escapes the archive with ..", q(name))
		}
	}
	if name == "" || strings.ContainsRune(name, 0) {
		return invalidf("the archive holds a file with an invalid name %s", strconv.Quote(name))
	}
	return nil
}

func escapes(clean string) bool {
	return clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean)
}

func isMetadataName(name string) bool {
	switch name {
	case "manifest.json", "index.json", "oci-layout", "repositories":
		return true
	}
	return false
}

// HumanSize writes a byte count as the verifier's messages do (10.5 KiB),
// so that a listing and a reason about the same archive agree.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// countingReader counts what tar reads, and keeps its first block.
type countingReader struct {
	r     io.Reader
	n     int64
	first []byte
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n < 512 {
		c.first = append(c.first, p[:min(int64(n), 512-c.n)]...)
	}
	c.n += int64(n)
	return n, err
}

// readAhead reads its source on another goroutine, a few chunks ahead, so
// that decompressing (or reading a pipe) and hashing use two cores.
type readAhead struct {
	ctx context.Context
	// after, when set, runs once nothing reads the source any more: at
	// close, or when the goroutine ends if close left it running.
	after     func()
	mu        sync.Mutex
	exited    bool
	abandoned bool
	full      chan chunk
	free      chan []byte
	stop      chan struct{}
	done      chan struct{}
	cur       []byte
	curBuf    []byte
	err       error
}

type chunk struct {
	b   []byte
	err error
}

const (
	// bigFile is the size from which reading ahead pays off.
	bigFile            = 8 << 20
	readAheadChunks    = 4
	readAheadChunkSize = 1 << 20
)

func newReadAhead(ctx context.Context, r io.Reader) *readAhead {
	ra := &readAhead{
		ctx:  ctx,
		full: make(chan chunk, readAheadChunks),
		free: make(chan []byte, readAheadChunks),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range readAheadChunks {
		ra.free <- (*chunkPool.Get().(*[]byte))[:readAheadChunkSize]
	}
	go func() {
		defer close(ra.done)
		defer func() {
			ra.mu.Lock()
			ra.exited = true
			abandoned := ra.abandoned
			ra.mu.Unlock()
			if abandoned && ra.after != nil {
				ra.after()
			}
		}()
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.stop:
				return
			}
			n := 0
			var err error
			for n < len(buf) && err == nil {
				var m int
				m, err = r.Read(buf[n:])
				n += m
			}
			select {
			case ra.full <- chunk{buf[:n], err}:
			case <-ra.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.curBuf != nil {
			ra.free <- ra.curBuf[:cap(ra.curBuf)]
			ra.curBuf = nil
		}
		select {
		case c := <-ra.full:
			ra.cur, ra.curBuf, ra.err = c.b, c.b, c.err
		case <-ra.ctx.Done():
			return 0, ra.ctx.Err()
		}
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// close stops the reading goroutine and waits for it, so that the source
// is no longer used when close returns; once ctx is done it does not wait
// (the goroutine ends on its own) and leaves the buffers to the collector.
func (ra *readAhead) close() {
	close(ra.stop)
	if ra.ctx.Err() != nil {
		ra.mu.Lock()
		exited := ra.exited
		ra.abandoned = !exited
		ra.mu.Unlock()
		if exited && ra.after != nil {
			ra.after()
		}
		return
	}
	<-ra.done
	if ra.after != nil {
		ra.after()
	}
	if ra.curBuf != nil {
		ra.free <- ra.curBuf[:cap(ra.curBuf)]
	}
	for {
		select {
		case b := <-ra.free:
			chunkPool.Put(&b)
		case c := <-ra.full:
			b := c.b[:cap(c.b)]
			chunkPool.Put(&b)
		default:
			return
		}
	}
}
