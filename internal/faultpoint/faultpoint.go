// Package faultpoint holds a run still at chosen points of its delivery,
// so that the fault tests can kill the process exactly there: after the
// file is written under its temporary name and before the rename, or
// after the destination has the file and before the history records it.
// No signal or timing from outside can reach such a point reliably; it
// lasts microseconds.
//
// It does nothing unless the environment variable FACTEUR_FAULT_POINTS
// names a file. At each point, Reach reads that file: when a line of it
// is the point's name, Reach writes "fault point NAME reached" to
// standard error and waits FACTEUR_FAULT_HOLD (a duration, 2s by
// default) before the run goes on. An absent or empty file holds nothing,
// so a test arms and disarms points without restarting the process.
package faultpoint

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// The points a run passes, in order.
const (
	// Upload: the folder destination's temporary file is created, its
	// bytes not yet written. (Uploads over the network are held by a slow
	// link in the tests instead.)
	Upload = "upload"
	// BeforeRename: the destination holds the whole file under its
	// temporary name (folder, SFTP), or the mail server has accepted the
	// mail and its recipient is not yet recorded as sent (e-mail).
	BeforeRename = "before-rename"
	// Delivered: the destination has the file under its final name; the
	// run's history does not say so yet.
	Delivered = "delivered"
)

var (
	file = os.Getenv("FACTEUR_FAULT_POINTS")
	hold = holdFrom(os.Getenv("FACTEUR_FAULT_HOLD"))
)

// holdFrom reads the hold's duration, 2 s when unset or not between 0
// and a minute.
func holdFrom(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > time.Minute {
		return 2 * time.Second
	}
	return d
}

// Reach holds the caller when point is armed (see the package's comment).
func Reach(point string) {
	if file == "" {
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == point {
			fmt.Fprintf(os.Stderr, "fault point %s reached\n", point)
			time.Sleep(hold)
			return
		}
	}
}
