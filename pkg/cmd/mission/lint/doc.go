// Package lint implements `academy mission lint`: every problem of a mission
// file, each on one line at its line and column, as a mission author needs
// them. Errors are what academy refuses (from mission.Lint and
// check.Compile); warnings are what it accepts but a learner would miss.
package lint
