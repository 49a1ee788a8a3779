// Package mission reads mission files: the lesson's objectives, hints,
// solutions and set-up, and its checks as written (a kind's name and its
// fields). It knows no check kind; package check decodes each check into its
// kind.
//
// Loading is strict and bounded: an unknown field, a duplicate key or a
// wrong type is an error with file, line and column; a file too big, too
// deep, or using anchors, aliases or tags is refused before it is parsed.
// Variables ({{.name}}) are replaced on the parsed document, before it
// becomes typed values, so every string of every kind is expanded alike, and
// a value that would silently weaken a check (empty once expanded) is an
// error. No mission can run a command, so a stranger's file is safe to load.
package mission
