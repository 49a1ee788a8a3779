// Package archive implements `academy archive`, the commands that work on
// docker save archives offline, without a daemon.
package archive
