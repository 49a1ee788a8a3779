// Package missionschema generates the JSON Schema of mission files,
// docs/schema/mission.v1.json, from the code itself: the Go types of
// package mission, the options of every check kind registered in package
// check (read from their spec types), the loader's rules, and the field
// descriptions of docs/missions.md. Editors use the schema to complete and
// check mission files as they are typed; `academy mission lint` remains the
// authority. A test regenerates the schema and fails on any difference.
package missionschema
