package format

import (
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// Formula neutralisation (PRODUCT B8). A spreadsheet opening a CSV file runs
// a cell that starts with = + - or @ as a formula (and a leading tab or CR
// can hide such a start); Excel also reads the full-width forms ＝ ＋ － ＠.
// Exported data must never run code on a colleague's machine, so a text
// cell that starts with one of them gets a leading apostrophe, which
// spreadsheets show as "text" and do not display. Numbers and booleans are
// data and are left alone: "-5" stays a number.

// formulaStart reports whether v starts the way a formula does.
func formulaStart(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	r, _ := utf8.DecodeRune(v)
	switch r {
	case '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// What a column's cells are checked for: text columns neutralise every
// formula-like cell; number and boolean columns only a cell that is not a
// number or boolean after all (SQLite does not enforce declared types: an
// INTEGER column can hold the text "=1+1").
const (
	neutralOff uint8 = iota
	neutralText
	neutralData
)

func neutralMode(k facteur.Kind) uint8 {
	switch k {
	case facteur.KindInt, facteur.KindDecimal, facteur.KindFloat, facteur.KindBool:
		return neutralData
	}
	return neutralText
}

// isData reports whether v is what a number or boolean column holds: a
// number, NaN or ±Infinity, true or false.
func isData(v []byte) bool {
	switch string(v) {
	case "true", "false", "NaN", "Infinity", "-Infinity":
		return true
	}
	return isJSONNumber(v)
}

// neutralizer prefixes formula-like cells with an apostrophe, reusing one
// buffer so that rows cost no allocation.
type neutralizer struct {
	mode []uint8 // per column
	buf  []byte
}

func newNeutralizer(cols []facteur.Column, enabled bool) neutralizer {
	if !enabled {
		return neutralizer{}
	}
	n := neutralizer{mode: make([]uint8, len(cols))}
	for i, c := range cols {
		n.mode[i] = neutralMode(c.Kind)
	}
	return n
}

// cell returns v, or v with a leading apostrophe when column i holds text
// that starts like a formula. The result is valid until the next call.
func (n *neutralizer) cell(i int, v []byte) []byte {
	if n.mode == nil || n.mode[i] == neutralOff || !formulaStart(v) || (n.mode[i] == neutralData && isData(v)) {
		return v
	}
	n.buf = append(append(n.buf[:0], '\''), v...)
	return n.buf
}

// value is cell for a value whose own kind is k, where a source says it
// (see facteur.KindedRows): only text is neutralised.
func (n *neutralizer) value(k facteur.Kind, v []byte) []byte {
	if n.mode == nil || !formulaStart(v) {
		return v
	}
	if mode := neutralMode(k); mode == neutralOff || (mode == neutralData && isData(v)) {
		return v
	}
	n.buf = append(append(n.buf[:0], '\''), v...)
	return n.buf
}

// NeutralizeText returns a text cell as a spreadsheet may safely open it:
// with a leading apostrophe when it starts the way a formula does.
func NeutralizeText(v string) string {
	if formulaStart([]byte(v)) {
		return "'" + v
	}
	return v
}
