// Package cli runs the academy command line and turns its outcome into an
// exit code, in one place.
package cli
