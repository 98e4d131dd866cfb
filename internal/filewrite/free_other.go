//go:build !linux

package filewrite

// Free cannot tell the free space outside Linux: ok is always false.
func Free(string) (n int64, ok bool) { return 0, false }
