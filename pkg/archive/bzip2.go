package archive

import (
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
)

// bzip2 compresses in independent blocks of at most 900 kB, each with its
// own CRC, so the blocks of a stream decode on several cores at once
// (lbzip2 and pbzip2 do this in C). bzip2Reader finds the blocks by their
// 48-bit magic numbers at any bit offset, rebuilds each as a stream of one
// block that the standard library decodes (checking the block's CRC), and
// hands their outputs on in order, checking each stream's combined CRC.
// Every block's output is streamed through a bounded buffer, so memory
// stays bounded by the number of workers even when a block expands 45 times.
//
// A block magic can occur inside a block's data by chance (one in 2^48 bit
// positions): the piece before it fails to decode without producing a
// byte, and is decoded again joined to the next piece.

const (
	bzBlockMagic = 0x314159265359 // π
	bzEOSMagic   = 0x177245385090 // √π
	bzMagicMask  = 1<<48 - 1
	// bzMaxBlockBits bounds a block's compressed size: 900 kB of
	// incompressible data grows by less than 1%, and the tables are small.
	bzMaxBlockBits = 8 * 1000 * 1000
	// bzMaxMerges bounds how many pieces a false magic number may have cut
	// one block into.
	bzMaxMerges = 8
	bzChunk     = 256 << 10
)

var errBzStructure = errors.New("bzip2: the stream's structure is damaged")

// bzBlock is one block found by the scanner, and its decoded output.
type bzBlock struct {
	data      []byte // the block's bits after its magic number, from bit 0
	bits      int
	level     byte   // '1'..'9', from the stream header
	crc       uint32 // as the block stores it
	eos       bool   // the last block of its stream
	streamCRC uint32 // when eos: the stream's combined CRC
	empty     bool   // an empty stream: no block, only its end

	out    chan []byte   // decoded chunks; closed when done
	err    error         // why decoding failed; read after out is closed
	some   bool          // the worker produced output
	stop   chan struct{} // closed when the reader gives up the block
	merges int           // pieces joined into this block, past the first
}

type bzip2Reader struct {
	ctx    context.Context
	order  chan *bzBlock // blocks in stream order, with a final error
	jobs   chan *bzBlock
	quit   chan struct{}
	scanWG sync.WaitGroup // the scanner, which reads the source
	wg     sync.WaitGroup // the decoders

	scanErr  error // set by the scanner before it closes order
	cur      *bzBlock
	chunk    []byte
	chunkBuf []byte
	combined uint32
	err      error
}

var bzChunkPool = sync.Pool{New: func() any { b := make([]byte, bzChunk); return &b }}

// newBzip2Reader decodes the bzip2 file r (one or more streams) with up to
// workers blocks at once (0: one per CPU, at most 8).
func newBzip2Reader(ctx context.Context, r io.Reader, workers int) *bzip2Reader {
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	z := &bzip2Reader{
		ctx:   ctx,
		order: make(chan *bzBlock, workers),
		jobs:  make(chan *bzBlock),
		quit:  make(chan struct{}),
	}
	z.scanWG.Add(1)
	z.wg.Add(workers)
	go z.scan(r)
	for range workers {
		go func() {
			defer z.wg.Done()
			for b := range z.jobs {
				z.decode(b)
			}
		}()
	}
	return z
}

// close stops every goroutine and waits for them, but once ctx is done
// only for the scanner (the one that reads the source): a block being
// decoded then finishes on its own.
func (z *bzip2Reader) close() {
	close(z.quit)
	z.scanWG.Wait()
	if z.ctx.Err() == nil {
		z.wg.Wait()
	}
}

func (z *bzip2Reader) Read(p []byte) (int, error) {
	for len(z.chunk) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		if z.chunkBuf != nil {
			b := z.chunkBuf[:cap(z.chunkBuf)]
			bzChunkPool.Put(&b)
			z.chunkBuf = nil
		}
		if z.cur == nil {
			b, ok := <-z.order
			if !ok {
				z.err = io.EOF
				if z.scanErr != nil {
					z.err = z.scanErr
				}
				continue
			}
			z.cur = b
		}
		c, ok := <-z.cur.out
		if ok {
			z.chunk, z.chunkBuf = c, c
			continue
		}
		if err := z.finish(); err != nil {
			z.err = err
		}
	}
	n := copy(p, z.chunk)
	z.chunk = z.chunk[n:]
	return n, nil
}

// finish ends the current block: it checks the stream's CRC at its end,
// or, when the block did not decode before giving any byte, joins it to
// the next piece and decodes that instead.
func (z *bzip2Reader) finish() error {
	b := z.cur
	z.cur = nil
	if b.err != nil {
		if b.some || b.empty || b.merges >= bzMaxMerges {
			return b.err
		}
		next, ok := <-z.order
		if !ok || next.empty || next.level != b.level {
			return b.err
		}
		close(next.stop)
		merged := joinBzBlocks(b, next)
		if merged.bits > bzMaxBlockBits {
			return b.err
		}
		z.wg.Add(1)
		go func() {
			defer z.wg.Done()
			z.decode(merged)
		}()
		z.cur = merged
		return nil
	}
	if !b.empty {
		z.combined = (z.combined<<1 | z.combined>>31) ^ b.crc
	}
	if b.eos {
		if z.combined != b.streamCRC {
			return errors.New("bzip2: the stream's checksum does not match its blocks'")
		}
		z.combined = 0
	}
	return nil
}

// decode decodes block b into b.out, as a stream of that one block.
func (z *bzip2Reader) decode(b *bzBlock) {
	defer close(b.out)
	if b.empty {
		return
	}
	zr := bzip2.NewReader(bytes.NewReader(b.stream()))
	for {
		bufp := bzChunkPool.Get().(*[]byte)
		buf := *bufp
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = zr.Read(buf[n:])
			n += m
		}
		if n > 0 {
			b.some = true
			select {
			case b.out <- buf[:n]:
			case <-b.stop:
				return
			case <-z.quit:
				return
			}
		} else {
			bzChunkPool.Put(bufp)
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			b.err = err
			return
		}
	}
}

// stream rebuilds block b as a bzip2 stream of that one block: header,
// block magic, the block's bits, end-of-stream magic and a stream CRC that
// is the block's own (the CRC of a one-block stream).
func (b *bzBlock) stream() []byte {
	w := bitWriter{buf: make([]byte, 0, len(b.data)+20)}
	w.buf = append(w.buf, 'B', 'Z', 'h', b.level)
	w.bits(bzBlockMagic, 48)
	w.copyBits(b.data, b.bits)
	w.bits(bzEOSMagic, 48)
	w.bits(uint64(b.crc), 32)
	return w.flush()
}

// joinBzBlocks joins two pieces of one block that a false magic number
// split, magic included.
func joinBzBlocks(a, b *bzBlock) *bzBlock {
	w := bitWriter{buf: make([]byte, 0, len(a.data)+len(b.data)+8)}
	w.copyBits(a.data, a.bits)
	w.bits(bzBlockMagic, 48)
	w.copyBits(b.data, b.bits)
	return &bzBlock{data: w.flush(), bits: a.bits + 48 + b.bits, level: a.level, crc: a.crc,
		eos: b.eos, streamCRC: b.streamCRC, merges: a.merges + 1,
		out: make(chan []byte, 4), stop: make(chan struct{})}
}

// bitWriter writes bits most significant first, as bzip2 does.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	for n > 0 {
		k := min(n, 56-w.nacc)
		w.acc = w.acc<<k | (v>>(n-k))&(1<<k-1)
		w.nacc += k
		n -= k
		for w.nacc >= 8 {
			w.buf = append(w.buf, byte(w.acc>>(w.nacc-8)))
			w.nacc -= 8
		}
	}
}

// copyBits writes the first n bits of data.
func (w *bitWriter) copyBits(data []byte, n int) {
	full := n / 8
	if w.nacc == 0 {
		w.buf = append(w.buf, data[:full]...)
	} else {
		for _, c := range data[:full] {
			w.bits(uint64(c), 8)
		}
	}
	if rest := uint(n % 8); rest > 0 {
		w.bits(uint64(data[full]>>(8-rest)), rest)
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nacc)))
		w.nacc = 0
	}
	return w.buf
}

// scan finds the blocks of every stream of r and hands each to a worker
// and, in order, to Read.
func (z *bzip2Reader) scan(r io.Reader) {
	defer z.scanWG.Done()
	defer close(z.order)
	defer close(z.jobs)
	s := &bzScanner{r: r}
	for {
		b, err := s.next()
		if err != nil {
			if err != io.EOF {
				z.scanErr = err
			}
			return
		}
		b.out, b.stop = make(chan []byte, 4), make(chan struct{})
		if b.empty {
			close(b.out)
		} else {
			select {
			case z.jobs <- b:
			case <-z.quit:
				return
			}
		}
		select {
		case z.order <- b:
		case <-z.quit:
			return
		}
	}
}

// bzScanner finds block boundaries in a bzip2 file.
type bzScanner struct {
	r     io.Reader
	buf   []byte // input from byte off of the file
	eof   bool
	pos   int  // bit position in buf where the next block's bits start; -1 before a stream header
	level byte // of the current stream
	start bool // a stream header is expected at pos
}

// fill reads more input; false at the end of the file.
func (s *bzScanner) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	// Drop what is behind the current block.
	if drop := s.pos / 8; drop > 0 {
		s.buf = append(s.buf[:0], s.buf[drop:]...)
		s.pos -= drop * 8
	}
	if cap(s.buf)-len(s.buf) < bzChunk {
		nb := make([]byte, len(s.buf), 2*cap(s.buf)+bzChunk)
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
		return n > 0, nil
	}
	return true, err
}

// bitsAt reads n ≤ 48 bits at bit position p of buf; ok is false when buf
// is too short.
func (s *bzScanner) bitsAt(p, n int) (uint64, bool) {
	i := p / 8
	if (p+n+7)/8 > len(s.buf) {
		return 0, false
	}
	var v uint64
	for j := 0; j < 8 && i+j < len(s.buf); j++ {
		v |= uint64(s.buf[i+j]) << (56 - 8*j)
	}
	return (v << (p % 8)) >> (64 - n), true
}

// next returns the next block of the file, or io.EOF after the last
// stream.
func (s *bzScanner) next() (*bzBlock, error) {
	if s.level == 0 || s.start {
		// A stream header, byte-aligned: BZh1..BZh9.
		s.pos = (s.pos + 7) / 8 * 8
		for len(s.buf)-s.pos/8 < 10 {
			more, err := s.fill()
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
		rest := s.buf[s.pos/8:]
		if len(rest) == 0 && s.level != 0 {
			return nil, io.EOF
		}
		if len(rest) < 10 || rest[0] != 'B' || rest[1] != 'Z' || rest[2] != 'h' || rest[3] < '1' || rest[3] > '9' {
			if s.level != 0 {
				return nil, errors.New("bzip2: bad magic value in continuation file")
			}
			return nil, errBzStructure
		}
		s.level, s.start = rest[3], false
		s.pos += 32
		m, _ := s.bitsAt(s.pos, 48)
		switch m {
		case bzBlockMagic:
			s.pos += 48
		case bzEOSMagic:
			crc, ok := s.bitsAt(s.pos+48, 32)
			if !ok {
				return nil, io.ErrUnexpectedEOF
			}
			s.pos += 80
			s.start = true
			return &bzBlock{empty: true, eos: true, streamCRC: uint32(crc), level: s.level}, nil
		default:
			return nil, errBzStructure
		}
	}
	// The block runs to the next magic number, block or end of stream.
	// Whatever its bit offset, a magic number covers the whole byte after
	// the one it starts in, and that byte has one of 16 values: only there
	// are the 8 offsets compared.
	from := s.pos
	for i := from / 8; ; i++ {
		for len(s.buf) < i+16 && !s.eof {
			before := s.pos
			if _, err := s.fill(); err != nil {
				return nil, err
			}
			d := before/8*8 - s.pos/8*8 // bits dropped from the front
			i -= d / 8
			from -= d
		}
		if i+7 > len(s.buf) {
			return nil, io.ErrUnexpectedEOF
		}
		if i*8-from > bzMaxBlockBits {
			return nil, errors.New("bzip2: a block larger than bzip2 writes")
		}
		if !bzSignature[s.buf[i+1]] {
			continue
		}
		for sh := 0; sh < 8; sh++ {
			p := i*8 + sh
			if p < from {
				continue
			}
			m, ok := s.bitsAt(p, 48)
			if !ok || (m != bzBlockMagic && m != bzEOSMagic) {
				continue
			}
			if m == bzEOSMagic && !s.streamEnds(p) {
				continue // the magic number is block data by chance
			}
			b := &bzBlock{bits: p - from, level: s.level}
			b.data = s.bitSlice(from, p)
			crc, _ := s.bitsAt(from, 32)
			b.crc = uint32(crc)
			if m == bzBlockMagic {
				s.pos = p + 48
				return b, nil
			}
			scrc, _ := s.bitsAt(p+48, 32)
			b.eos, b.streamCRC = true, uint32(scrc)
			s.pos = p + 80
			s.start = true
			return b, nil
		}
	}
}

// streamEnds says whether an end-of-stream magic number at bit p is one:
// its CRC follows, then the end of the file or another stream's header.
func (s *bzScanner) streamEnds(p int) bool {
	end := (p + 80 + 7) / 8
	switch {
	case end == len(s.buf) && s.eof:
		return true
	case end+4 > len(s.buf):
		return false
	}
	h := s.buf[end:]
	return h[0] == 'B' && h[1] == 'Z' && h[2] == 'h' && h[3] >= '1' && h[3] <= '9'
}

// bzSignature holds the values of the byte after the one a magic number
// starts in, for each of its 8 bit offsets.
var bzSignature = func() (t [256]bool) {
	for _, m := range []uint64{bzBlockMagic, bzEOSMagic} {
		for sh := range 8 {
			t[byte(m>>(32+sh))] = true
		}
	}
	return t
}()

// bitSlice copies the bits [from, to) of buf into bytes starting at bit 0.
func (s *bzScanner) bitSlice(from, to int) []byte {
	w := bitWriter{buf: make([]byte, 0, (to-from)/8+1)}
	if from%8 == 0 {
		w.copyBits(s.buf[from/8:], to-from)
		return w.flush()
	}
	w.bits(uint64(s.buf[from/8])&(1<<(8-from%8)-1), uint(8-from%8))
	w.copyBits(s.buf[from/8+1:], to-from-(8-from%8))
	return w.flush()
}
