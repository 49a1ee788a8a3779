// Package report renders the result of a check — one mission against one
// Docker endpoint, a check.Result — in every output format academy offers:
// text for a learner at a terminal, json (the versioned contract of
// docs/report.md), junit for CI systems, tap, and github workflow commands.
//
// Each format lives in its own file and registers itself by name, so a new
// format is one new file. Renderers only write: exit codes are decided by
// the command from the result, never here. Every Render call makes a single
// Write, so reports from --watch never interleave.
package report
