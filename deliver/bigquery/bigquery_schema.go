package bigquery

import (
	"regexp"

	bq "cloud.google.com/go/bigquery"

	"github.com/facteur/facteur"
)

// columnRE is BigQuery's rule for a column name Facteur gives it.
var columnRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,299}$`)

// Schema returns the schema of a table for the report's columns: each
// column's kind becomes BigQuery's type, decimals NUMERIC or BIGNUMERIC by
// their declared precision and scale. All columns are NULLABLE. It fails
// with EINVALID for a column name BigQuery would refuse.
func Schema(cols []facteur.Column) (bq.Schema, error) {
	var s bq.Schema
	for _, c := range cols {
		if !columnRE.MatchString(c.Name) {
			return nil, facteur.Errorf(facteur.EINVALID, "Column %q cannot be a BigQuery column: give it a name of letters, digits and underscores, starting with a letter or underscore (in the report's SQL: AS order_id).", truncate(c.Name))
		}
		f := &bq.FieldSchema{Name: c.Name}
		switch c.Kind {
		case facteur.KindInt:
			f.Type = bq.IntegerFieldType
		case facteur.KindDecimal:
			f.Type, f.Precision, f.Scale = decimalType(c.Precision, c.Scale)
		case facteur.KindFloat:
			f.Type = bq.FloatFieldType
		case facteur.KindBool:
			f.Type = bq.BooleanFieldType
		case facteur.KindTimestamp:
			f.Type = bq.TimestampFieldType
		case facteur.KindDateTime:
			f.Type = bq.DateTimeFieldType
		case facteur.KindDate:
			f.Type = bq.DateFieldType
		case facteur.KindTime:
			f.Type = bq.TimeFieldType
		case facteur.KindBytes:
			f.Type = bq.BytesFieldType
		case facteur.KindJSON:
			f.Type = bq.JSONFieldType
		default:
			f.Type = bq.StringFieldType
		}
		s = append(s, f)
	}
	return s, nil
}

// decimalType returns the type of a decimal column of precision p and
// scale s: NUMERIC(p,s) when it fits (at most 29 digits before the point
// and 9 after), BIGNUMERIC(p,s) when that fits (38 and 38), BIGNUMERIC
// with BigQuery's own bounds when the precision is not known, and STRING
// for a wider decimal, which no BigQuery number holds exactly.
func decimalType(p, s int) (bq.FieldType, int64, int64) {
	switch {
	case p <= 0:
		return bq.BigNumericFieldType, 0, 0
	case s >= 0 && s <= 9 && p-s <= 29:
		return bq.NumericFieldType, int64(p), int64(s)
	case s >= 0 && s <= 38 && p-s <= 38:
		return bq.BigNumericFieldType, int64(p), int64(s)
	}
	return bq.StringFieldType, 0, 0
}
