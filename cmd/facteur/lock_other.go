//go:build !unix

package main

// lockData does nothing where the file lock is not available: the
// operator keeps to one `facteur serve` per data directory.
func lockData(string) (func(), error) { return func() {}, nil }
