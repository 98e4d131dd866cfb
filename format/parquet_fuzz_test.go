package format

import (
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

var decimalText = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// FuzzParquetDecimal checks the DECIMAL encoding of a decimal's text
// against math/big: a text is taken when it is a plain decimal whose value
// times 10^scale is an integer of at most precision digits, and is then
// that integer, in the column's physical type.
func FuzzParquetDecimal(f *testing.F) {
	for _, s := range []string{"12.50", "-0.05", "0", "-0", "99999999999999999999999999999999999999", "1.230", "1.234", "NaN", "1e3", "-", "1.", ".5", "-.5", "007.10"} {
		for _, p := range []int{5, 18, 38} {
			f.Add(s, p, 2)
		}
	}
	f.Fuzz(func(t *testing.T, text string, precision, scale int) {
		if precision < 1 || precision > parquetMaxPrecision || scale < 0 || scale > precision || len(text) > 100 {
			return
		}
		c := parquetColumnOf(facteur.Column{Name: "d", Kind: facteur.KindDecimal, Precision: precision, Scale: scale})
		v, err := c.decimal([]byte(text))

		var want *big.Int
		if decimalText.MatchString(text) {
			r, _ := new(big.Rat).SetString(text)
			r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
			limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
			if r.IsInt() && new(big.Int).Abs(r.Num()).Cmp(limit) < 0 {
				want = r.Num()
			}
		}
		if want == nil {
			if err == nil {
				t.Fatalf("DECIMAL(%d,%d) took %q", precision, scale, text)
			}
			if !strings.Contains(err.Error(), "cast the column to text") {
				t.Fatalf("error %q does not say what to do", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("DECIMAL(%d,%d) refused %q: %v", precision, scale, text, err)
		}
		var got *big.Int
		switch c.typ {
		case pqDecimal32:
			got = big.NewInt(int64(v.Int32()))
		case pqDecimal64:
			got = big.NewInt(v.Int64())
		default:
			b := v.ByteArray()
			if len(b) != c.width {
				t.Fatalf("%d bytes, want %d", len(b), c.width)
			}
			got = new(big.Int).SetBytes(b)
			if b[0]&0x80 != 0 { // negative: two's complement
				got.Sub(got, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
		}
		if got.Cmp(want) != 0 {
			t.Fatalf("DECIMAL(%d,%d) of %q is %s, want %s", precision, scale, text, got, want)
		}
	})
}
