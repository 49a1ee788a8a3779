package archive

import (
	"encoding/binary"
	"errors"
	"io"
)

// xzGuard passes an xz file through unchanged while following its
// container format (streams, block headers, LZMA2 chunk headers, index,
// footers, padding) without decompressing anything, so that every block of
// every concatenated stream has its dictionary checked before the decoder
// allocates it: the decoder allocates whatever a block declares, up to
// 4 GiB. Chunk payloads are skipped in bulk, so the guard costs next to
// nothing. What it cannot follow is corrupt: it says so rather than let
// the decoder read on unchecked.
type xzGuard struct {
	r     io.Reader
	state xzState
	need  int    // bytes still to collect into buf, or to skip
	buf   []byte // the structure being collected
	check int    // size of each block's check, from the stream flags
	n     int64  // bytes of the current block or index, for padding
	err   error

	// The index, followed a byte at a time: its record count, then two
	// varints per record.
	varints uint64 // varints still to read; the first is the count
	counted bool
	vlen    int    // bytes of the varint being read
	vval    uint64 // its value so far
}

type xzState int

const (
	xzStreamHeader xzState = iota
	xzBlockOrIndex         // one byte: a block header size, or 0 for the index
	xzBlockHeader
	xzChunkControl
	xzChunkHeader
	xzSkip         // a chunk's payload
	xzBlockPadding // then the check
	xzIndex        // followed byte by byte
	xzIndexTail    // padding and CRC32
	xzStreamFooter
	xzStreamPadding // zeros, or the next stream's header
)

var errXzStructure = errors.New("xz: the stream's structure is damaged")

func (g *xzGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.state == xzStreamHeader && g.need == 0 && g.buf == nil {
		g.need = 12
	}
	n, err := g.r.Read(p)
	if perr := g.feed(p[:n]); perr != nil {
		g.err = perr
		return 0, perr
	}
	if err == io.EOF && !(g.state == xzStreamPadding && len(g.buf) == 0) {
		// The decoder says what is missing; the guard has nothing to add.
		return n, err
	}
	return n, err
}

// feed advances the state machine over data.
func (g *xzGuard) feed(data []byte) error {
	for len(data) > 0 {
		switch g.state {
		case xzSkip:
			k := min(g.need, len(data))
			g.need -= k
			g.n += int64(k)
			data = data[k:]
			if g.need == 0 {
				g.state, g.need, g.buf = xzChunkControl, 1, g.buf[:0]
			}
			continue
		case xzStreamPadding:
			if len(g.buf) == 0 && data[0] == 0 {
				data = data[1:]
				continue
			}
			// A new stream starts (padding is checked by the decoder).
			g.state, g.need, g.buf = xzStreamHeader, 12, g.buf[:0]
			continue
		case xzBlockOrIndex:
			if data[0] == 0 {
				g.state, g.n = xzIndex, 1
				g.varints, g.counted, g.vlen, g.vval = 1, false, 0, 0
				data = data[1:]
				continue
			}
			g.state, g.need, g.buf = xzBlockHeader, (int(data[0])+1)*4, g.buf[:0]
			continue
		}
		if g.state == xzIndex {
			if err := g.indexByte(data[0]); err != nil {
				return err
			}
			data = data[1:]
			continue
		}
		// Collect g.need bytes into buf, then act on them.
		k := min(g.need-len(g.buf), len(data))
		g.buf = append(g.buf, data[:k]...)
		data = data[k:]
		if len(g.buf) < g.need {
			continue
		}
		if err := g.step(); err != nil {
			return err
		}
	}
	return nil
}

// step acts on a structure collected whole in g.buf.
func (g *xzGuard) step() error {
	b := g.buf
	switch g.state {
	case xzStreamHeader:
		if string(b[:6]) != string(magicXz) || b[6] != 0 || b[7] > 0x0f {
			return errXzStructure
		}
		g.check = xzCheckSize(b[7])
		g.state, g.buf = xzBlockOrIndex, b[:0]
	case xzBlockHeader:
		if err := checkXzBlockHeader(b); err != nil {
			return err
		}
		g.n = int64(len(b))
		g.state, g.need, g.buf = xzChunkControl, 1, b[:0]
	case xzChunkControl:
		c := b[0]
		g.n++
		switch {
		case c == 0:
			pad := int((4 - g.n%4) % 4)
			g.state, g.need, g.buf = xzBlockPadding, pad+g.check, b[:0]
			if g.need == 0 {
				g.state, g.buf = xzBlockOrIndex, b[:0]
			}
		case c == 1 || c == 2:
			g.state, g.need, g.buf = xzChunkHeader, 3, b[:1]
		case c >= 0x80:
			n := 5
			if (c>>5)&3 >= 2 {
				n = 6
			}
			g.state, g.need, g.buf = xzChunkHeader, n, b[:1]
		default:
			return errXzStructure
		}
	case xzChunkHeader:
		g.n += int64(len(b)) - 1 // the control byte was counted
		var size int
		if len(b) == 3 { // uncompressed chunk: control, size-1
			size = int(binary.BigEndian.Uint16(b[1:3])) + 1
		} else { // LZMA chunk: control, unpacked size-1, packed size-1[, props]
			size = int(binary.BigEndian.Uint16(b[3:5])) + 1
		}
		g.state, g.need, g.buf = xzSkip, size, b[:0]
	case xzBlockPadding:
		g.state, g.buf = xzBlockOrIndex, b[:0]
	case xzIndexTail:
		g.state, g.need, g.buf = xzStreamFooter, 12, b[:0]
	case xzStreamFooter:
		if string(b[10:12]) != "YZ" {
			return errXzStructure
		}
		g.state, g.buf = xzStreamPadding, b[:0]
	}
	return nil
}

// xzCheckSize is the size of a block's check for the stream's check type.
func xzCheckSize(id byte) int {
	switch {
	case id == 0:
		return 0
	case id <= 3:
		return 4
	case id <= 6:
		return 8
	case id <= 9:
		return 16
	case id <= 12:
		return 32
	}
	return 64
}

// checkXzBlockHeader refuses a block whose LZMA2 dictionary is larger than
// MaxXzDict.
func checkXzBlockHeader(hdr []byte) error {
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
				return errXzStructure
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || pos+int(n) > len(hdr) {
			return errXzStructure
		}
		if id == 0x21 && n == 1 { // LZMA2
			bits := int64(hdr[pos] & 0x3f)
			dict := int64(1<<32 - 1)
			if bits < 40 {
				dict = (2 | bits&1) << (bits/2 + 11)
			}
			if dict > MaxXzDict {
				return invalidf("the archive is xz-compressed with a %s dictionary, more than the %s of xz -9 that academy accepts", HumanSize(dict), HumanSize(MaxXzDict))
			}
		}
		pos += int(n)
	}
	return nil
}

// indexByte follows one byte of the index after its indicator.
func (g *xzGuard) indexByte(c byte) error {
	g.n++
	g.vval |= uint64(c&0x7f) << (7 * g.vlen)
	g.vlen++
	if c&0x80 != 0 {
		if g.vlen == 9 {
			return errXzStructure
		}
		return nil
	}
	v := g.vval
	g.vlen, g.vval = 0, 0
	g.varints--
	if !g.counted {
		g.counted = true
		if v > 1<<32 {
			return errXzStructure
		}
		g.varints = 2 * v
	}
	if g.varints == 0 {
		pad := int((4 - g.n%4) % 4)
		g.state, g.need, g.buf = xzIndexTail, pad+4, g.buf[:0]
	}
	return nil
}
