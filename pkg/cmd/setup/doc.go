// Package setup implements `academy setup`: it validates flags, then hands
// the mission to pkg/lab, which makes its starting state offline. LabFlags,
// the flags of every command that changes the lab, live here too.
package setup
