package auth

import "time"

// Login limits: 5 failures in 15 minutes per e-mail address (since its
// last successful login) and 20 per client address. The failures are read
// from the audit log, which every node shares: the limits hold across
// nodes.
//
// The lock of an e-mail address holds for the clients that took part in
// its failures (at least one failure for that address within the window):
// a client that has not failed for it may still log in with the right
// password, and its first wrong one locks it out too. So a stranger who
// guesses wrong from elsewhere cannot lock the account's owner out, while
// every client's guesses stay bounded (and by LoginClientFailures in all).
const (
	LoginFailures       = 5
	LoginClientFailures = 20
	LoginWindow         = 15 * time.Minute
)

// LoginBlocked decides from the failures of one key (an e-mail address, a
// client), newest first, whether the key is refused now and for how long:
// max failures within the window block it until the oldest of them leaves
// the window.
func LoginBlocked(fails []time.Time, max int, window time.Duration, now time.Time) (time.Duration, bool) {
	n := 0
	for _, f := range fails {
		if now.Sub(f) < window {
			n++
		}
	}
	if n < max {
		return 0, false
	}
	return window - now.Sub(fails[max-1]), true
}
