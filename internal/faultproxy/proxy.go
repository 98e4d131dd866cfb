// Package faultproxy is a TCP proxy for fault tests: it forwards each
// connection it accepts to a target, and can cut the next ones after a
// given number of bytes sent towards the target, as a network that fails
// in the middle of an upload does. Tests put it between Facteur and a
// real server (sshd, an S3 gateway, a webhook receiver).
package faultproxy

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards the connections made to Addr to its target.
type Proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	at    int64 // a connection is cut when it has carried this many bytes…
	cuts  int   // …while cuts remain
	conns map[net.Conn]struct{}
	down  bool // refusing every connection (Down)

	accepted atomic.Int64
	cut      atomic.Int64
	carried  atomic.Int64 // bytes forwarded towards the target
	rate     atomic.Int64 // bytes per second towards the target; 0: no limit
}

// Start listens on a free loopback port and forwards to target
// ("host:port"). Close stops it.
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// CutAfter cuts the next times connections that carry n bytes towards
// the target, when they do: both sides are reset, as when a link goes
// down. Connections that carry less (a protocol's small requests), and
// all of them once times cuts were made, are forwarded whole.
func (p *Proxy) CutAfter(n int64, times int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at, p.cuts = n, times
}

// cutNow reports whether a connection that has carried n bytes is to be
// cut, counting the cut.
func (p *Proxy) cutNow(n int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cuts == 0 || n < p.at {
		return false
	}
	p.cuts--
	p.cut.Add(1)
	return true
}

// limit returns how many more bytes a connection that has carried n may
// carry before it may be cut; -1 for no limit.
func (p *Proxy) limit(n int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cuts == 0 {
		return -1
	}
	return max(p.at-n, 0)
}

// Down makes the target unreachable through the proxy, as a server that
// went down: the connections open are reset and new ones are reset at
// once, until Up.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		reset(c)
	}
}

// Up forwards new connections again after Down.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// Throttle slows what every connection sends towards the target to
// bytesPerSecond, as a slow link does, from the next read on; 0 lifts the
// limit.
func (p *Proxy) Throttle(bytesPerSecond int64) { p.rate.Store(max(bytesPerSecond, 0)) }

// Carried returns how many bytes the proxy has forwarded towards the
// target, over all connections.
func (p *Proxy) Carried() int64 { return p.carried.Load() }

// Accepted returns how many connections the proxy took, and Cut how many
// of them it cut.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Cut returns how many connections the proxy cut.
func (p *Proxy) Cut() int64 { return p.cut.Load() }

// Close stops listening, resets the open connections and waits for the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			reset(c)
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.forward(c)
	}
}

// forward carries c to the target until either side closes, or until it
// is cut (see CutAfter), when it resets both.
func (p *Proxy) forward(c net.Conn) {
	defer p.wg.Done()
	defer p.forget(c)
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer p.forget(up)
	done := make(chan struct{}, 1)
	go func() { // from the target back to the client
		io.Copy(c, up)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	buf := make([]byte, 32<<10)
	var carried int64
	for {
		want := int64(len(buf))
		if l := p.limit(carried); l >= 0 {
			want = min(want, max(l, 1))
		}
		k, err := c.Read(buf[:want])
		if k > 0 {
			if _, werr := up.Write(buf[:k]); werr != nil {
				break
			}
			carried += int64(k)
			p.carried.Add(int64(k))
			if r := p.rate.Load(); r > 0 {
				time.Sleep(time.Duration(int64(k) * int64(time.Second) / r))
			}
			if p.cutNow(carried) {
				reset(c)
				reset(up)
				<-done
				return
			}
		}
		if err != nil {
			break
		}
	}
	if tc, ok := up.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	<-done
}

// forget closes c and stops tracking it.
func (p *Proxy) forget(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// reset closes c with a TCP reset rather than an orderly close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
