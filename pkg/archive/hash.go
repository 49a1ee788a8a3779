package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// blob is what hashing one file of the archive leaves: digests, and the
// content only when it is a small JSON document.
type blob struct {
	digest digest.Digest // sha256 of the bytes as stored
	// compression is "gzip" or "zstd" when the content starts with their
	// magic number; diffID is then the digest of the decompressed content,
	// or decompErr why it could not be decompressed.
	compression string
	diffID      digest.Digest
	decompErr   error
	json        []byte // the content, when it looks like JSON and is at most MaxJSONSize
	jsonTooBig  bool   // it looks like JSON but is larger
}

// hasher hashes entries one after another; each worker has its own.
type hasher struct {
	v   *verifier
	br  *bufio.Reader
	buf []byte
	gz  *gzip.Reader
	zd  *zstd.Decoder // small windows, reused
}

func newHasher(v *verifier) *hasher {
	return &hasher{v: v, br: getReader(nil)}
}

func (h *hasher) close() {
	putReader(h.br)
	if h.zd != nil {
		h.zd.Close()
	}
}

// digester hashes and counts what is written to it.
type digester struct {
	h hash.Hash
	n int64
}

func newDigester() *digester { return &digester{h: sha256.New()} }

func (d *digester) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.h.Write(p)
}

func (d *digester) digest() digest.Digest {
	return digest.NewDigestFromBytes(digest.SHA256, d.h.Sum(nil))
}

// hash reads the size bytes of the entry name from r once: it hashes them,
// hashes their decompressed form too when they are a gzip or zstd stream
// (a compressed layer), and keeps them when they look like a small JSON
// document (a manifest, index or config).
func (h *hasher) hash(name string, r io.Reader, size int64) (blob, error) {
	var b blob
	h.br.Reset(r)
	head, _ := h.br.Peek(int(min(size, 16)))
	d := newDigester()
	switch {
	case looksJSON(head) && size <= MaxJSONSize:
		if h.v.jsonBudget.Add(-size) < 0 {
			return b, invalidf("the archive's JSON documents add up to more than %s, not a docker save archive", HumanSize(maxJSONTotal))
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(h.br, data); err != nil {
			return b, h.readErr(name, err)
		}
		d.Write(data)
		b.json = data
	case bytes.HasPrefix(head, magicGzip) || isZstd(head):
		if err := h.decompress(&b, name, d); err != nil {
			return b, err
		}
		if _, err := h.br.WriteTo(d); err != nil {
			return b, h.readErr(name, err)
		}
	default:
		b.jsonTooBig = looksJSON(head)
		if _, err := h.br.WriteTo(d); err != nil {
			return b, h.readErr(name, err)
		}
	}
	if d.n != size {
		return b, invalidf("the archive is truncated: %s ends after %d of its %d bytes", q(name), d.n, size)
	}
	b.digest = d.digest()
	return b, nil
}

// decompress hashes the compressed stream at the head of h.br into d and
// its decompressed form into b.diffID. A stream that does not decompress is
// not an error here: it is one only if a manifest says it is a compressed
// layer.
func (h *hasher) decompress(b *blob, name string, d *digester) error {
	tee := io.TeeReader(h.br, d)
	var dec io.Reader
	var err error
	release := func() {}
	if bytes.HasPrefix(mustPeek(h.br), magicGzip) {
		b.compression = "gzip"
		if h.gz == nil {
			h.gz = new(gzip.Reader)
		}
		err = h.gz.Reset(tee)
		dec = h.gz
	} else {
		b.compression = "zstd"
		var zd *zstd.Decoder
		if w := firstZstdWindow(h.br); w > smallZstdWindow {
			// A big window: a decoder of its own, under the verifier's
			// one big-window token.
			zd, release, err = h.v.newZstd(h.br, 1, false, "layer "+q(name))
			if err == nil {
				defer zd.Close()
			}
		} else {
			if h.zd == nil {
				h.zd, _, err = h.v.newZstd(bufio.NewReader(bytes.NewReader(nil)), 1, false, "layer "+q(name))
			}
			zd = h.zd
		}
		if err == nil {
			err = zd.Reset(tee)
		}
		dec = zd
	}
	defer release()
	if err == nil {
		if h.buf == nil {
			h.buf = make([]byte, 256<<10)
		}
		u := newDigester()
		_, err = io.CopyBuffer(u, &budgetReader{r: dec, v: h.v, what: "layer " + q(name)}, h.buf)
		if err == nil {
			b.diffID = u.digest()
		}
	}
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) || h.v.sourceErr() != nil {
			return err
		}
		// If the archive itself ends early, reading the rest of the entry
		// says so; otherwise the stream is just not what it seems.
		b.decompErr = err
	}
	return nil
}

func mustPeek(br *bufio.Reader) []byte {
	p, _ := br.Peek(4)
	return p
}

// readErr says why reading an entry's content failed.
func (h *hasher) readErr(name string, err error) error {
	var inv *InvalidError
	if errors.As(err, &inv) || h.v.sourceErr() != nil {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return invalidf("the archive is truncated: %s ends early", q(name))
	}
	return err
}

// looksJSON says whether content starting with head is a JSON object or
// array, as manifests, indexes and configs are (layers never are: they
// start with a file name or a compression magic number).
func looksJSON(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && (head[0] == '{' || head[0] == '[')
}
