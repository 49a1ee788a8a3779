// Package golden compares what a test got with a file of what it should
// be, and rewrites the file when the tests run with -update.
package golden
