// Package report renders the result of a check — one mission against one
// Docker endpoint, a check.Result — in every output format academy offers:
// text for a learner at a terminal, json (the versioned contract of
// docs/report.md), junit for CI systems, tap, github workflow commands and
// job summary, and the result files of Gradescope and GitHub Classroom.
//
// Each format lives in its own file and registers itself by name, so a new
// format is one new file. Renderers only write: exit codes are decided by
// the command from the result, never here, and nothing is read from the
// environment (Options carries the terminal's width and the job summary's
// path). Every Render call makes a single Write, so reports from --watch
// never interleave. Clean is the one sanitiser for strings from outside,
// ParseOutputs the one -o parser, WriteFile the one way report files are
// written.
package report
