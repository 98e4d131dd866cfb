package sftp_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
)

// cutProxy forwards TCP connections to a target. After limit bytes from
// the client on one connection it cuts that connection (closes both
// sides), or, with stall, stops forwarding in both directions and keeps
// the connection open, like a link that went dead.
type cutProxy struct {
	ln     net.Listener
	target string
	limit  int64
	stall  bool

	mu    sync.Mutex
	conns []net.Conn
	cuts  int
	wg    sync.WaitGroup
}

// startProxy starts a proxy on a free loopback port; it stops when the
// test ends.
func startProxy(t *testing.T, target string, limit int64, stall bool) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, limit: limit, stall: stall}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// port returns the proxy's port.
func (p *cutProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// cutCount returns how many connections were cut or stalled.
func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.forward(client, server)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(client, server)
			if !p.stall {
				client.Close()
			}
		}()
	}
}

// forward copies client to server until the limit.
func (p *cutProxy) forward(client, server net.Conn) {
	defer p.wg.Done()
	_, err := io.CopyN(server, client, p.limit)
	if err != nil { // the client finished first
		server.Close()
		return
	}
	p.mu.Lock()
	p.cuts++
	p.mu.Unlock()
	if p.stall {
		// Hold both ends, read nothing more: TCP buffers fill and the
		// client hears nothing. Cleanup closes them.
		return
	}
	client.Close()
	server.Close()
}

// A connection cut in the middle of an upload fails with a retryable
// error, leaves no file under the final name, and the retry delivers the
// whole file.
func TestSFTPConnectionCutMidUpload(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	c := srv.client(t)
	content := delivertest.Content(8<<20, 21)
	a := delivertest.NewArtifact(t, "cut.csv", content)

	proxy := startProxy(t, net.JoinHostPort(srv.host, srv.port), 2<<20, false)
	cfg := srv.config(t, dir)
	cfg.Port = proxy.port()
	_, err := newSFTP(t, cfg, deliver.Env{}).Deliver(t.Context(), a)
	wantError(t, err, facteur.EUNAVAILABLE, true, "Connection failed. Upload failed due to an error")
	if proxy.cutCount() == 0 {
		t.Fatal("the proxy never cut the connection")
	}
	files := remoteFiles(t, c, dir)
	if _, ok := files[a.Name]; ok {
		t.Fatalf("a file exists under the final name %s after a cut upload", a.Name)
	}
	// The temporary file is removed over a new connection.
	if len(files) != 0 {
		t.Errorf("files left after a cut upload: %v", fileNames(files))
	}

	direct := srv.config(t, dir)
	if _, err := newSFTP(t, direct, deliver.Env{}).Deliver(t.Context(), a); err != nil {
		t.Fatalf("retry: %v", err)
	}
	files = remoteFiles(t, c, dir)
	if len(files) != 1 || !bytes.Equal(files[a.Name], content) {
		t.Errorf("after the retry the directory holds %v; want only %s with the %d bytes delivered", fileNames(files), a.Name, len(content))
	}
}

// A server that stops answering fails the delivery after the timeout,
// retryably, instead of hanging it.
func TestSFTPServerStopsAnswering(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	proxy := startProxy(t, net.JoinHostPort(srv.host, srv.port), 1<<20, true)
	cfg := srv.config(t, dir)
	cfg.Port = proxy.port()
	cfg.Timeout = 2
	start := time.Now()
	_, err := newSFTP(t, cfg, deliver.Env{}).Deliver(t.Context(), delivertest.NewArtifact(t, "stall.csv", delivertest.Content(8<<20, 22)))
	took := time.Since(start)
	wantError(t, err, facteur.EUNAVAILABLE, true, "Connection failed. Upload failed due to an error: the server stopped answering")
	if took > 20*time.Second {
		t.Errorf("the delivery took %s to give up; the timeout is 2 s", took)
	}
	t.Logf("gave up after %s", took.Round(time.Millisecond))
	if _, ok := remoteFiles(t, srv.client(t), dir)["stall.csv"]; ok {
		t.Error("a file exists under the final name after a stalled upload")
	}
}

// A server that never finishes the SSH handshake fails after the timeout.
func TestSFTPHandshakeTimeout(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // accepts and says nothing
		defer wg.Done()
		conn, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(io.Discard, conn)
			conn.Close()
		}
	}()
	cfg := srv.config(t, srv.dir)
	cfg.Port = ln.Addr().(*net.TCPAddr).Port
	cfg.Timeout = 1
	err = newSFTP(t, cfg, deliver.Env{}).Check(t.Context())
	wantError(t, err, facteur.EUNAVAILABLE, true, "Connection failed.", "did not answer within 1s")
	ln.Close()
	wg.Wait()
}

// Cancelling a delivery in the middle stops it and removes the temporary
// file.
func TestSFTPCancelMidUpload(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	c := srv.client(t)
	// Cancel once the temporary file has started to fill.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			entries, _ := c.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".partial") && e.Size() > 0 {
					cancel()
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := newSFTP(t, srv.config(t, dir), deliver.Env{}).Deliver(ctx, bigArtifact(t, "cancel.csv", 100<<20))
	wg.Wait()
	if err == nil {
		t.Fatal("the upload finished before it could be cancelled")
	}
	wantError(t, err, facteur.ECANCELLED, false)
	if files := remoteFiles(t, c, dir); len(files) != 0 {
		t.Errorf("files left after a cancelled upload: %v", fileNames(files))
	}
}

// fileNames lists the names and sizes of files, for messages.
func fileNames(files map[string][]byte) []string {
	var out []string
	for n, b := range files {
		out = append(out, n+" ("+strconv.Itoa(len(b))+" bytes)")
	}
	return out
}
