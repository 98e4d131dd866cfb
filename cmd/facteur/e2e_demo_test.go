package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo: `facteur serve --demo` on an empty data directory delivers a
// file into data/outbox within seconds, with no sensitive column in it; a
// second start seeds nothing more.
func TestDemo(t *testing.T) {
	data := t.TempDir()
	start := time.Now()
	n := startServe(t, data, "--demo")
	outbox := filepath.Join(data, "outbox")
	var files []os.DirEntry
	for time.Since(start) < 60*time.Second {
		files, _ = os.ReadDir(outbox)
		if len(files) > 0 && strings.Contains(n.out.String(), "Demo: delivered") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("outbox has %d files after %s:\n%s", len(files), time.Since(start), n.out)
	}
	t.Logf("demo file %s delivered %s after start", files[0].Name(), time.Since(start).Round(time.Millisecond))
	f, err := os.Open(filepath.Join(outbox, files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range header {
		if strings.Contains(col, "name") || strings.Contains(col, "email") || strings.Contains(col, "phone") {
			t.Errorf("sensitive column %q delivered; header %v", col, header)
		}
	}
	rows := 0
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		for _, v := range rec {
			if strings.Contains(v, "@example.") {
				t.Fatalf("an e-mail address leaked into the demo export: %v", rec)
			}
		}
		rows++
	}
	if rows < 1000 {
		t.Errorf("demo export has %d rows", rows)
	}
	for _, want := range []string{"outbox", "/api/v1/runs"} {
		if !strings.Contains(n.out.String(), want) {
			t.Errorf("demo output does not say %q:\n%s", want, n.out)
		}
	}
	n.stop()

	n = startServe(t, data, "--demo")
	time.Sleep(2 * time.Second)
	if files, _ = os.ReadDir(outbox); len(files) != 1 {
		t.Errorf("second start seeded again: %d files", len(files))
	}
	if !strings.Contains(n.out.String(), "already set up") {
		t.Errorf("second start output:\n%s", n.out)
	}
}

// TestExportCommand: `facteur export` writes the file and prints rows,
// bytes, sha-256 and stage timings; errors exit non-zero with a message.
func TestExportCommand(t *testing.T) {
	pg := postgresURL(t)
	table := peopleTable(t, pg)
	dir := t.TempDir()
	out := filepath.Join(dir, "people.csv")
	cmd := exec.Command(bin, "export", "--source", pg, "--query", "select id, name, amount, created, active, photo, note from "+table+" order by id", "--output", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	got, _ := os.ReadFile(out)
	if string(got) != wantPeopleCSV {
		t.Fatalf("export wrote %q", got)
	}
	for _, want := range []string{"rows: 2", "bytes: ", "sha-256: " + sha(wantPeopleCSV), "stages: query"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "oracle://x", "--table", "t", "--output", out}, "unsupported scheme"},
		{[]string{"--source", pg, "--output", out}, "--query or --table"},
		{[]string{"--source", pg, "--table", "no_such_table_x", "--output", out}, "no_such_table_x"},
		{[]string{"--source", pg, "--table", table, "--format", "pdfx", "--output", out}, "format"},
	} {
		cmd := exec.Command(bin, append([]string{"export"}, tc.args...)...)
		msg, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(msg), tc.want) {
			t.Errorf("export %v: err %v, output %q; want a failure saying %q", tc.args, err, msg, tc.want)
		}
	}
	// A failed export leaves the earlier file whole.
	if got, _ := os.ReadFile(out); string(got) != wantPeopleCSV {
		t.Errorf("a failed export damaged the existing file: %q", got)
	}
}
