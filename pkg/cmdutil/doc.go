// Package cmdutil holds what every command shares: the streams it writes to,
// the lazy Factory that dials the daemon only for commands that need it, and
// the typed errors from which exit codes are decided in one place.
package cmdutil
