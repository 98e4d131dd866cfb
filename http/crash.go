//go:build !facteurcrash

package http

// crashPoint is where a test build stops the process dead (see
// crash_hook.go); it does nothing in Facteur's own build.
func crashPoint(string) {}
