// Package verify implements `academy archive verify`: it validates flags,
// then hands each archive to pkg/archive and prints what it found.
package verify
