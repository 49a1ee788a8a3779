//go:build unix

package report

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives name the owner and group of prev, as far as the process
// may: an unprivileged user can only keep a group they belong to, so a
// refusal (EPERM) leaves the file the caller's, which is no wider than
// before since its permission bits are prev's.
func keepOwner(name string, prev fs.FileInfo) {
	st, ok := prev.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	uid, gid := int(st.Uid), int(st.Gid)
	if uid == os.Geteuid() && gid == os.Getegid() {
		return
	}
	if os.Chown(name, uid, gid) != nil {
		_ = os.Chown(name, -1, gid) // the group alone, which a member may set
	}
}
