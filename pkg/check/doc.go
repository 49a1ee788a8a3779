// Package check evaluates a mission's objectives against the learner's lab:
// the Docker daemon, the learner's folder and answers. It never talks to the
// daemon itself and never changes it: kinds read through small interfaces
// (ImageReader, …) that package dockerstate implements.
//
// A check kind is one file here: a spec type whose fields a mission writes,
// registered by name with register, and its Check method. Compile decodes a
// mission's checks into their kinds' specs; fields of the mission's value
// types (mission.ImageRef, mission.FileName, …) and fields tagged
// check:"required" are validated without the kind's help, so adding a kind
// edits no other file. The Result a run produces is the one model every
// report format renders.
package check
