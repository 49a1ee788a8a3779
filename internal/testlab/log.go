package testlab

import (
	"encoding/json"
	"io"
	"iter"
	"log"

	"github.com/moby/moby/api/types/jsonstream"
)

// discardLogger keeps the in-process registry quiet in test output.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// jsonMessages decodes a build's progress stream.
func jsonMessages(r io.Reader) iter.Seq2[jsonstream.Message, error] {
	return func(yield func(jsonstream.Message, error) bool) {
		dec := json.NewDecoder(r)
		for {
			var m jsonstream.Message
			err := dec.Decode(&m)
			if err == io.EOF {
				return
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}
