// Package check evaluates a mission's objectives against the state of a
// Docker daemon and the learner's files. It is pure logic over a narrow
// daemon interface: it never talks to the daemon itself and never changes it.
// Its Result is the one model every report format renders.
package check
