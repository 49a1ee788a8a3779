//go:build unix

package doctor

import (
	"fmt"
	"io/fs"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ownerOf names the socket's owner and group: ", owner root, group docker".
func ownerOf(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf(", owner %s, group %s", userName(st.Uid), groupName(st.Gid))
	}
	return ""
}

// canReadWrite says whether this user may read and write the socket.
func canReadWrite(path string) error {
	return unix.Access(path, unix.R_OK|unix.W_OK)
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return u.Username
	}
	return strconv.Itoa(int(uid))
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.Itoa(int(gid))); err == nil {
		return g.Name
	}
	return strconv.Itoa(int(gid))
}
