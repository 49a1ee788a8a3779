//go:build unix

package class

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileID names the file fi describes by its device and inode, which every
// name of it (a link, a hard link) shares.
func fileID(fi fs.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino)), true
}
