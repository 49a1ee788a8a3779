// Package testpipe helps tests that need a writer blocked on a pipe: it
// tells when the pipe holds all it can.
package testpipe
