// Package progress keeps what academy remembers of one learner between
// runs: per mission, the statuses of the last check, objective by
// objective, and how many hint steps each objective has given.
//
// The state is a folder of small JSON files, one per mission, under
// $XDG_STATE_HOME/academy (by default ~/.local/state/academy). Files are
// written whole or not at all (a temporary file renamed into place), readable
// by their owner only, and read with a size cap. A file that cannot be read
// or makes no sense is a warning and a fresh start, never a failure: losing
// a learner's progress costs a few hints, refusing to run costs the lesson.
package progress
