package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// capture runs a helper command (not a contender) and returns its
// trimmed standard output; the error carries its standard error. stdin,
// when not empty, is fed to it.
func capture(ctx context.Context, env []string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("%s: interrupted", args[0])
		}
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = err.Error()
		}
		if strings.HasPrefix(msg, args[0]+":") {
			return "", errors.New(tail(msg))
		}
		return "", fmt.Errorf("%s: %s", args[0], tail(msg))
	}
	return strings.TrimSpace(out.String()), nil
}

// cleanupContext returns a context for dropping what was created, which
// must run even when ctx was cancelled by ^C.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
}

// needTool returns the path of a client program, or an error saying
// which Debian package provides it.
func needTool(name, pkg string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is missing: %s", name, installHint(pkg))
	}
	return p, nil
}

// installHint says how to get a package: the apt-get command when we are
// root on a Debian-like machine (nothing is installed silently).
func installHint(pkg string) string {
	if _, err := exec.LookPath("apt-get"); err == nil && os.Geteuid() == 0 {
		return "run apt-get install -y " + pkg
	}
	return "install the " + pkg + " package"
}

// machineLine describes the machine: CPUs, RAM, then the versions given.
func machineLine(versions []string) string {
	parts := []string{fmt.Sprintf("%d CPUs, %s RAM", runtime.NumCPU(), memTotal())}
	parts = append(parts, versions...)
	parts = append(parts, runtime.Version())
	return strings.Join(parts, "; ")
}

// memTotal reads MemTotal from /proc/meminfo, "?" if unknown.
func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				return fmt.Sprintf("%.0f GB", kb/(1<<20))
			}
		}
	}
	return "?"
}

// loadAverages returns the three load averages of /proc/loadavg.
func loadAverages() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// moduleVersion returns the version of a module built into a Go binary,
// from `go version -m`.
func moduleVersion(ctx context.Context, binary, module string) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := capture(ctx, nil, "", "go", "version", "-m", binary)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" && f[1] == module {
			return f[2]
		}
	}
	return ""
}

// sqlQuote quotes s as an SQL string literal.
func sqlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// oneLine keeps the line of an error that says what went wrong: the
// first one holding "ERROR" (the mysql client echoes the statement
// before it), else the first.
func oneLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		if i := strings.Index(l, "ERROR"); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	return lines[0]
}
