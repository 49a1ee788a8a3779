// Package lesson holds what the learner's commands (missions, show, hint)
// share: finding a mission by id with a suggestion for a typo, its
// variables, the learner's state, and text laid out for the terminal —
// wrapped to its width, colour only on a terminal, every string from a
// mission file sanitised.
package lesson
