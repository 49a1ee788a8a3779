// Package mission implements `academy mission`, the commands for mission
// authors.
package mission
