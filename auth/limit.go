package auth

import (
	"sync"
	"time"
)

// Limiter counts failed logins per key (an address, a client) and refuses
// a key that failed Max times within Window until the window has passed.
// It lives in memory: each node limits on its own.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time // default time.Now

	mu    sync.Mutex
	fails map[string][]time.Time
}

// Default login limits: 5 failures in 15 minutes per address and 20 per
// client address.
const (
	LoginFailures       = 5
	LoginClientFailures = 20
	LoginWindow         = 15 * time.Minute
)

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// recent returns key's failures within the window, forgetting older ones.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.Window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = f
	}
	return f
}

// Blocked reports whether key is refused now, and for how long.
func (l *Limiter) Blocked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.recent(key, now)
	if len(f) < l.Max {
		return 0, false
	}
	return l.Window - now.Sub(f[len(f)-l.Max]), true
}

// Fail records a failure of key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = make(map[string][]time.Time)
	}
	now := l.now()
	l.fails[key] = append(l.recent(key, now), now)
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
