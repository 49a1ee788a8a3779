package report

import "testing"

// Golden compares got with testdata/NAME.golden, or rewrites it with
// -update: for the tests of the external package (real runs).
func Golden(t *testing.T, name string, got []byte) { goldenFile(t, name, got) }
