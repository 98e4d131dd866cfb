//go:build facteurcrash

package http

import (
	"os"
	"syscall"
)

// crashPoint kills the process with SIGKILL when FACTEUR_TEST_CRASH_AT
// names the audited action, just before its audit entry is written: the
// end-to-end tests build Facteur with the facteurcrash tag to check that a
// change and its entry commit together. Facteur's own build has no such
// hook.
func crashPoint(action string) {
	if os.Getenv("FACTEUR_TEST_CRASH_AT") == action {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}
