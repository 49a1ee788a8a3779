//go:build !unix

package class

import "io/fs"

// fileID has no identity to give where files have no device and inode in
// their FileInfo: the socket's path, its links resolved, is its key.
func fileID(fs.FileInfo) (string, bool) { return "", false }
