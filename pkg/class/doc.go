// Package class checks a whole class at once: one mission against many
// Docker endpoints, concurrently, each host with its own deadline, so that
// one laptop that is off or hangs costs its own row and nothing more. The
// hosts come from a file of '[NAME] ENDPOINT [ID=ANSWER...]' lines.
package class
