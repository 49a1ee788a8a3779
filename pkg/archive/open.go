package archive

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openFile opens path for reading. A FIFO blocks in open(2) until a writer
// comes; when ctx is done first, openFile unblocks the pending open by
// opening the FIFO for writing itself, closes both and returns ctx's error.
func openFile(ctx context.Context, path string, fi fs.FileInfo) (*os.File, error) {
	if fi.Mode()&fs.ModeNamedPipe == 0 {
		return os.Open(path)
	}
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-ctx.Done():
	}
	// Give the pending open its writer, and wait for it to return: it
	// cannot block any longer once a writer has opened the FIFO.
	for {
		w, werr := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if werr == nil {
			w.Close()
		}
		select {
		case r := <-done:
			if r.f != nil {
				r.f.Close()
			}
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
			// ENXIO: the reader is not in open(2) yet, or no longer.
			if werr != nil && !errors.Is(werr, syscall.ENXIO) {
				r := <-done
				if r.f != nil {
					r.f.Close()
				}
				return nil, ctx.Err()
			}
		}
	}
}

// pump reads a stream on its own goroutine, a few chunks ahead, so that a
// read that blocks (a pipe that sends nothing) never keeps Verify from
// returning when ctx is done: Read waits for data or for ctx, whichever
// comes first. It also counts the bytes read and keeps the source's own
// failures apart from the archive's.
type pump struct {
	ctx    context.Context
	v      *verifier
	full   chan chunk
	free   chan []byte // buffers Read is done with, for the goroutine to reuse
	stop   chan struct{}
	cur    []byte
	curBuf []byte
	err    error
}

func newPump(ctx context.Context, r io.Reader, v *verifier) *pump {
	p := &pump{ctx: ctx, v: v, full: make(chan chunk, readAheadChunks), free: make(chan []byte, readAheadChunks+1), stop: make(chan struct{})}
	go func() {
		for {
			// Only buffers handed back by Read are reused: a pump abandoned
			// in a blocked read writes into none that anyone else uses.
			var buf []byte
			select {
			case buf = <-p.free:
			default:
				buf = make([]byte, 256<<10)
			}
			n, err := io.ReadAtLeast(r, buf, 1)
			v.read.Add(int64(n))
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			if err != nil && err != io.EOF {
				v.setSourceErr(err)
			}
			select {
			case p.full <- chunk{buf[:n], err}:
			case <-p.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pump) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.curBuf != nil {
			select {
			case p.free <- p.curBuf[:cap(p.curBuf)]:
			default:
			}
			p.curBuf = nil
		}
		select {
		case c := <-p.full:
			p.cur, p.curBuf, p.err = c.b, c.b, c.err
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		case <-p.stop:
			return 0, io.ErrClosedPipe
		}
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// close stops the pump without waiting for a read that blocks.
func (p *pump) close() { close(p.stop) }
