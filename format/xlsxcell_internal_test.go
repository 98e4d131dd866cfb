package format

import (
	"bufio"
	"bytes"
	"testing"
	"time"
)

func TestColumnName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		i    int
		want string
	}{
		{0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"},
		{701, "ZZ"}, {702, "AAA"}, {16383, "XFD"},
	}
	for _, tt := range tests {
		if got := columnName(tt.i); got != tt.want {
			t.Errorf("columnName(%d) = %q, want %q", tt.i, got, tt.want)
		}
	}
}

func TestXLSXNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"0", true},
		{"-0", true},
		{"42", true},
		{"-7", true},
		{"12.50", true},
		{"0.1", true},
		{"-0.000001", true},
		{"123456789012345", true},        // 15 digits
		{"1234567890123456", false},      // 16 digits
		{"9007199254740993", false},      // 2^53+1: a float64 would round it
		{"100000000000000", true},        // 15 digits
		{"1000000000000000", false},      // a 16-digit identifier stays text
		{"1.23456789012345", true},       // 15 digits
		{"1.234567890123456", false},     // 16 digits
		{"0.000000000000001", true},      // one significant digit
		{"1.00000000000000000000", true}, // trailing zeros of a fraction do not count
		{"00012", false},                 // leading zeros would be lost
		{"12345678901234567890123456789012345678", false},
		{"1e+100", true},
		{"1E-7", true},
		{"1.5e307", true},
		{"1e308", false},
		{"1e-307", true},
		{"1e-308", false},
		{"0.001e-305", false},
		{"123e305", true},   // 1.23e307
		{"1230e305", false}, // 1.23e308
		{"0e999999999999999999999", false},
		{"0e10", true},
		{"NaN", false},
		{"Infinity", false},
		{"-Infinity", false},
		{"+5", false},
		{".5", false},
		{"1.", false},
		{"", false},
		{"1 ", false},
	}
	for _, tt := range tests {
		if got := xlsxNumber([]byte(tt.v), true); got != tt.want {
			t.Errorf("xlsxNumber(%q, exact) = %v, want %v", tt.v, got, tt.want)
		}
	}
	// A binary float is a number cell whatever its digits, inside Excel's
	// range: its shortest text reads back the same double.
	floats := []struct {
		v    string
		want bool
	}{
		{"0.30000000000000004", true},
		{"0.14285714285714285", true},
		{"1.7976931348623157e+307", true},
		{"1.7976931348623157e+308", false}, // past Excel's range: text, every digit kept
		{"5e-324", false},
		{"1.401298464324817e-45", true},
		{"3.4028234663852886e+38", true},
		{"-0", true},
		{"NaN", false},
		{"Infinity", false},
	}
	for _, tt := range floats {
		if got := xlsxNumber([]byte(tt.v), false); got != tt.want {
			t.Errorf("xlsxNumber(%q, float) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestWriteXMLText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b < c > d", "a &amp; b &lt; c &gt; d"},
		{`"quotes' stay"`, `"quotes' stay"`},
		{"tab\tLF\nCR\rCRLF\r\n", "tab\tLF\nCR&#13;CRLF&#13;\n"},
		{"nul\x00soh\x01bs\x08vt\x0bff\x0cso\x0eus\x1fend", "nulsohbsvtffsousend"},
		{"del\x7f", "del\x7f"},
		{"\uFFFE\uFFFF\uFFFD", "\uFFFD"},
		{"bad\xff\xc3", "bad\uFFFD\uFFFD"},
		{"é 日本 🎉", "é 日本 🎉"},
		{"_x000D_", "_x005F_x000D_"},
		{"a_x00ff_b _xABCD_", "a_x005F_x00ff_b _x005F_xABCD_"},
		{"_x00GG_ _x000D _x_ snake_case", "_x00GG_ _x000D _x_ snake_case"},
		{"]]>", "]]&gt;"},
		{"_\x00x0041_", "_x005F_x0041_"},   // the NUL goes, so the underscore starts an escape
		{"_\uFFFEx0041_", "_x005F_x0041_"}, // so does U+FFFE
		{"_x0041\x01_", "_x005F_x0041_"},   // and a control inside
		{"__x0041_", "__x005F_x0041_"},     // only the second underscore starts one
		{"_x0041_x0042_", "_x005F_x0041_x005F_x0042_"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		bw := bufio.NewWriter(&b)
		writeXMLText(bw, []byte(tt.in))
		bw.Flush()
		if b.String() != tt.want {
			t.Errorf("writeXMLText(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

// TestCivilDays checks the day arithmetic of date cells against package
// time, over every day from year 0 to 9999 in steps, and month lengths.
func TestCivilDays(t *testing.T) {
	t.Parallel()
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 10000; d = d.AddDate(0, 0, 17) {
		days := d.Unix() / 86400
		if got := daysSinceEpoch(d.Year(), int(d.Month()), d.Day()); got != days {
			t.Fatalf("daysSinceEpoch(%s) = %d, want %d", d.Format("2006-01-02"), got, days)
		}
		if y, m, dd := civilDate(days); y != d.Year() || m != int(d.Month()) || dd != d.Day() {
			t.Fatalf("civilDate(%d) = %d-%d-%d, want %s", days, y, m, dd, d.Format("2006-01-02"))
		}
		if n := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(); daysIn(d.Year(), int(d.Month())) != n {
			t.Fatalf("daysIn(%d, %d) = %d, want %d", d.Year(), d.Month(), daysIn(d.Year(), int(d.Month())), n)
		}
	}
}
