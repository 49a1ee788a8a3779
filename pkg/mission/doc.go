// Package mission defines what a lesson expects — objectives and their
// checks, in a closed vocabulary — and loads mission files strictly: an
// unknown field, a duplicate key or a wrong type is an error with file, line
// and column. No mission can run a command, so a stranger's file is safe.
package mission
