package export_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/obfuscate"
)

// TestFieldStageObfuscates: on every source, the field stage hashes,
// keyed-hashes, masks and nulls the values of the fields with a rule, as
// package obfuscate computes them from the clear export of the same rows;
// NULL stays NULL; the obfuscated columns become text but for the nulled
// one; PostgreSQL's COPY is not used, even when allowed.
func TestFieldStageObfuscates(t *testing.T) {
	t.Parallel()
	key := []byte("export-test-key-0123456789")
	rules := []facteur.FieldRule{
		{Field: "label", Method: facteur.ObfuscateHMAC},
		{Field: "at", Method: facteur.ObfuscateMask, Keep: 3},
		{Field: "big", Method: facteur.ObfuscateHash},
		{Field: "flag", Method: facteur.ObfuscateNull},
	}
	fields := []string{"id", "label", "big", "at", "flag"}
	for _, fx := range allFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			o := facteur.FormatOptions{Format: facteur.FormatCSV}
			clear := runExport(t, fx.src, fx.query, fields, o)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			path := filepath.Join(t.TempDir(), "out.csv")
			res, err := export.Run(ctx, export.Spec{Source: fx.src, Query: fx.query, Fields: fields, Format: o, Path: path, Copy: true, Obfuscate: rules, HMACKey: key})
			if err != nil {
				t.Fatal(err)
			}
			if res.FastPath {
				t.Error("an obfuscated export took the COPY path")
			}
			kinds := map[string]facteur.Kind{}
			for _, c := range res.Columns {
				kinds[c.Name] = c.Kind
			}
			if kinds["label"] != facteur.KindText || kinds["at"] != facteur.KindText || kinds["big"] != facteur.KindText || kinds["id"] == facteur.KindText || kinds["flag"] != clear.res.Columns[4].Kind {
				t.Errorf("column kinds %v", res.Columns)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			plain, got := parseCSV(t, clear.data, ','), parseCSV(t, data, ',')
			if len(plain) != len(got) || len(got) < 2 {
				t.Fatalf("%d rows obfuscated, %d in clear", len(got), len(plain))
			}
			for i := 1; i < len(plain); i++ {
				p, g := plain[i], got[i]
				want := []csvField{p[0], ob(p[1], obfuscate.HMAC(key, []byte(p[1].text))), ob(p[2], obfuscate.Hash([]byte(p[2].text))), ob(p[3], obfuscate.Mask([]byte(p[3].text), 3)), {null: true}}
				for j := range want {
					if g[j] != want[j] {
						t.Errorf("row %d, %s: %+v, want %+v (clear %+v)", i, fields[j], g[j], want[j], p[j])
					}
				}
			}
		})
	}
}

// ob is the obfuscated field of a clear one: NULL stays NULL.
func ob(clear csvField, text string) csvField {
	if clear.null {
		return clear
	}
	return csvField{text: text}
}
