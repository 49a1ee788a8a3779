// Package verify implements `academy archive verify`: it validates flags,
// hands each archive to pkg/archive, and renders what it found through
// pkg/report, in the formats and with the sanitiser of academy check.
package verify
