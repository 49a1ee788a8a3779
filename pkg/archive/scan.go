package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
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

// Magic numbers of the compressions docker load accepts.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

func compressionOf(head []byte) string {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return "gzip"
	case bytes.HasPrefix(head, magicBzip2):
		return "bzip2"
	case bytes.HasPrefix(head, magicXz):
		return "xz"
	case bytes.HasPrefix(head, magicZstd):
		return "zstd"
	}
	return ""
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
			return invalidf("the archive is truncated: %s declares %d bytes, more than the file holds", e.name, e.size)
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
				ahead = newReadAhead(src)
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
	br := getReader(&source{ctx: ctx, r: r, v: v})
	defer putReader(br)
	head, _ := br.Peek(8)
	if len(head) == 0 {
		if _, err := br.Peek(1); err != nil && err != io.EOF {
			return err
		}
		return invalidf("the archive is empty")
	}
	v.compression = compressionOf(head)
	var tarStream io.Reader = br
	if v.compression == "xz" {
		if err := checkXzDict(br); err != nil {
			return err
		}
	}
	if v.compression != "" {
		dec, closeDec, err := v.decompressor(v.compression, br)
		if err != nil {
			return invalidf("the archive looks %s-compressed but is not: %v", v.compression, err)
		}
		defer closeDec()
		tarStream = &expansionGuard{r: dec, in: func() int64 { return v.read.Load() }, limit: v.expansion, what: "the archive"}
	}
	// Decompress (or read) ahead on another core while this one hashes.
	ra := newReadAhead(tarStream)
	defer ra.close()

	cr := &countingReader{r: ra}
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

// decompressor opens the compressed stream of a whole archive.
func (v *verifier) decompressor(kind string, r io.Reader) (io.Reader, func(), error) {
	nop := func() {}
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(r)
		return zr, nop, err
	case "bzip2":
		return bzip2.NewReader(r), nop, nil
	case "xz":
		zr, err := xz.NewReader(r)
		return zr, nop, err
	case "zstd":
		zr, err := newZstd(r, 2)
		if err != nil {
			return nil, nop, err
		}
		return zr, zr.Close, nil
	}
	return nil, nop, fmt.Errorf("unknown compression %s", kind)
}

// maxXzDict is the largest xz dictionary accepted: xz -9's. The xz
// decoder allocates what the stream declares, up to 4 GiB.
const maxXzDict = 64 << 20

// checkXzDict refuses an xz stream whose first block declares a dictionary
// larger than maxXzDict, before the decoder allocates it.
func checkXzDict(br *bufio.Reader) error {
	head, _ := br.Peek(12 + 1024)
	if len(head) < 14 || head[12] == 0 { // no block: an empty stream
		return nil
	}
	hdr := head[12:]
	size := (int(hdr[0]) + 1) * 4
	if len(hdr) < size {
		return nil // the decoder will say what is wrong
	}
	hdr = hdr[:size]
	flags := hdr[1]
	pos := 2
	varint := func() (uint64, bool) {
		var x uint64
		for i := 0; i < 9 && pos < len(hdr); i++ {
			b := hdr[pos]
			pos++
			x |= uint64(b&0x7f) << (7 * i)
			if b&0x80 == 0 {
				return x, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed and uncompressed sizes
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return nil
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || pos+int(n) > len(hdr) {
			return nil
		}
		if id == 0x21 && n == 1 { // LZMA2
			bits := int64(hdr[pos] & 0x3f)
			dict := int64(1<<32 - 1)
			if bits < 40 {
				dict = (2 | bits&1) << (bits/2 + 11)
			}
			if dict > maxXzDict {
				return invalidf("the archive is xz-compressed with a %s dictionary, more than the %s of xz -9 that academy accepts", HumanSize(dict), HumanSize(maxXzDict))
			}
		}
		pos += int(n)
	}
	return nil
}

func newZstd(r io.Reader, concurrency int) (*zstd.Decoder, error) {
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(concurrency),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(64<<20))
}

// checkEnd insists on tar's end-of-archive marker (two zero blocks), which
// docker save always writes: without it, an archive cut exactly between
// two entries would look complete.
func (v *verifier) checkEnd(pos, end int64) error {
	if len(v.entries) == 0 {
		return invalidf("the archive is an empty tar file, not a docker save archive")
	}
	if pos < end+2*512 {
		return invalidf("the archive is truncated: it ends after %s without tar's end-of-archive marker", v.lastName)
	}
	return nil
}

// headerErr says why tar could not read a header; first is the archive's
// first block.
func (v *verifier) headerErr(err error, first []byte) error {
	var inv *InvalidError
	if v.sourceErr() != nil || errors.As(err, &inv) {
		return err
	}
	if len(v.entries) == 0 && v.lastName == "" {
		if len(first) == 512 && bytes.HasPrefix(first[257:], []byte("ustar")) {
			return invalidf("the archive is corrupted: its first tar header is damaged (%v)", err)
		}
		return invalidf("not a docker save archive: not a tar file (nor gzip, bzip2, xz or zstd-compressed)")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidf("the archive is truncated after %s", v.lastName)
	}
	return invalidf("the archive is corrupted after %s: %v", v.lastName, err)
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
		return nil, invalidf("%s is a sparse file, which docker save never writes", name)
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return nil, invalidf("%s is a sparse file, which docker save never writes", name)
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
			return nil, invalidf("symlink %s points outside the archive (to %s)", name, hdr.Linkname)
		}
		e.target = path.Clean(path.Join(path.Dir(name), hdr.Linkname))
		if escapes(e.target) {
			return nil, invalidf("symlink %s points outside the archive (to %s)", name, hdr.Linkname)
		}
	case tar.TypeLink:
		e.typ = typeHardlink
		if path.IsAbs(hdr.Linkname) || escapes(path.Clean(hdr.Linkname)) {
			return nil, invalidf("hard link %s points outside the archive (to %s)", name, hdr.Linkname)
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
		return invalidf("the archive holds %q, an absolute name", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return invalidf("the archive holds %q, a name that escapes the archive with ..", name)
		}
	}
	if name == "" || strings.ContainsRune(name, 0) {
		return invalidf("the archive holds a file with an invalid name %q", name)
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

// expansionGuard stops a decompressed stream that grows beyond limit times
// the compressed bytes read so far, past expansionFloor.
type expansionGuard struct {
	r     io.Reader
	in    func() int64
	out   int64
	limit int64
	what  string
}

func (g *expansionGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.limit >= 0 && g.out > expansionFloor && g.out > g.limit*max(g.in(), 1) {
		return n, invalidf("%s decompresses to more than %d times its size: a compression bomb, not a docker save archive", g.what, g.limit)
	}
	return n, err
}

// readAhead reads its source on another goroutine, a few chunks ahead, so
// that decompressing (or reading a pipe) and hashing use two cores.
type readAhead struct {
	full   chan chunk
	free   chan []byte
	stop   chan struct{}
	done   chan struct{}
	cur    []byte
	curBuf []byte
	err    error
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

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{
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
		c := <-ra.full
		ra.cur, ra.curBuf, ra.err = c.b, c.b, c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// close stops the reading goroutine and waits for it, so that the source
// is no longer used when close returns.
func (ra *readAhead) close() {
	close(ra.stop)
	<-ra.done
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
