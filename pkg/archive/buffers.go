package archive

import (
	"bufio"
	"io"
	"sync"
)

// Buffers are reused across entries and verifications: a verification of a
// small archive should not cost megabytes of fresh memory.
var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}
	chunkPool  = sync.Pool{New: func() any { b := make([]byte, readAheadChunkSize); return &b }}
)

func getReader(r io.Reader) *bufio.Reader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}
