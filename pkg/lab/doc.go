// Package lab changes the learner's lab on the Docker daemon, for the
// commands that are allowed to: `academy setup` makes a mission's starting
// state offline (academy's builtin images, written here byte by byte and
// loaded as a docker save archive), `academy reset` removes what a
// mission's objectives created and nothing else, and `academy mission test`
// proves a mission on a real daemon under names of its own. `academy check`
// never uses this package.
package lab
