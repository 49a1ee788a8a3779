// Package missions embeds the missions that ship with academy.
package missions

import "embed"

// FS holds the embedded mission files, one <id>.yaml each.
//
//go:embed *.yaml
var FS embed.FS
