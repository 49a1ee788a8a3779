//go:build !unix

package doctor

import "io/fs"

// ownerOf: Windows has no socket owner and group to show.
func ownerOf(fs.FileInfo) string { return "" }

// canReadWrite: on Windows the daemon is reached through a named pipe or
// TCP, and a unix socket's permissions are not the question.
func canReadWrite(string) error { return nil }
