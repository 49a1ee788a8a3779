// Package test implements `academy mission test`: it validates flags, then
// hands the mission to pkg/lab, which proves it on a real daemon under names
// of its own, and turns what it found into an exit code.
package test
