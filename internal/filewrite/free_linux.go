package filewrite

import "golang.org/x/sys/unix"

// Free returns the bytes a process without special rights may still write
// on the file system that holds dir; ok is false when it cannot be told.
func Free(dir string) (n int64, ok bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * st.Bsize, true
}
