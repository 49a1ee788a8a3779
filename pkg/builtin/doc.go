// Package builtin makes academy's own images, offline: one layer holding a
// program academy writes itself, instruction by instruction, for the
// daemon's architecture, and a config that runs it and carries academy's
// labels. The same image is the same bytes, the same ID, on every machine:
// set-up loads it, and a check can tell academy's image from a look-alike
// by that ID alone.
package builtin
