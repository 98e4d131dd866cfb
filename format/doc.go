// Package format turns a stream of rows into a file: CSV, zipped CSV, JSON,
// NDJSON, XLSX, HTML, plain text, XML (PRODUCT B1–B7), PNG charts, PDF and Parquet. Each encoder takes rows one at a time, as
// the canonical text of each value's facteur.Kind (nil for SQL NULL), and
// writes them out at once: memory stays flat whatever the number of rows.
// A value's kind is its column's, unless the row comes with the kind of
// each of its values (facteur.KindedRows: SQLite, whose expressions and
// untyped columns hold numbers, text and blobs alike); everything below
// that depends on a kind reads the value's own.
//
// The formats are registered in a Registry (registry.go): each one's name,
// extension, media type, options and encoder, in the file of its encoder.
// The program builds one with Builtin and hands it to every part that
// needs to know the formats (export, API, web UI, CLI); a new format is
// one file and one line in Builtin, and passes the suite of formattest.
//
//	formats := format.Builtin()
//	enc, err := formats.New(w, format.Target{Cols: cols, Options: schedule.Format, InnerName: "agents.csv"})
//	for rows.Next() {
//		if err := enc.Write(rows.Row(), nil); err != nil { … } // nil: the columns' kinds
//	}
//	err = enc.Close() // writes the trailer; w stays open
//
// # CSV
//
// A header line of column names comes first unless NoHeader is set; fields
// are separated by the delimiter (default ','); every record, the header
// included, ends with "\n". BOM starts the file with a UTF-8 byte order mark
// (EF BB BF) for Excel and Power BI. Every kind is written as its canonical
// text.
//
// Quoting is byte for byte that of PostgreSQL's COPY … TO STDOUT (FORMAT csv)
// (checked against a real server by the tests):
//
//   - NULL is an empty, unquoted field; an empty string is "".
//   - A value is quoted, with each " doubled, when it contains the
//     delimiter, ", CR or LF. Nothing else is quoted: leading and trailing
//     spaces are kept as they are, unquoted.
//   - A value that is exactly \. is quoted when it would stand alone on its
//     line, that is when there is a single column (it would otherwise read
//     as PostgreSQL's end-of-data marker). With several columns PostgreSQL
//     leaves it unquoted, and so does Facteur.
//   - Header names follow the same rules.
//
// # Zipped CSV (csv.zip)
//
// The CSV above is the single entry of a zip archive, under the name given
// to New (e.g. "agents.csv"), compressed with Deflate as rows arrive, dated
// when the export started. Archives past 4 GiB use ZIP64. Both zip formats
// (csv.zip and xlsx) use Deflate level 2 (see zipLevel): files a few per
// cent larger than the default level, written in less than half the time.
//
// # JSON and NDJSON
//
// Each row is an object whose keys are the column names in column order.
// JSON writes one array with an object a line, "[\n{…},\n{…}\n]\n", and "[]\n"
// when there is no row. NDJSON writes each object followed by "\n", and
// nothing at all when there is no row. Values:
//
//   - NULL is null.
//   - int, decimal and float are numbers written with their exact digits
//     (never through a float64), unless the text is not a valid JSON number
//     ("NaN", "Infinity", "-Infinity", "+5", ".5", "1.", "007"): then a string.
//   - bool is true or false.
//   - json is embedded as it is when it is a valid JSON document, with the
//     white space between its tokens removed so that an NDJSON line stays
//     one line; otherwise it is a string.
//   - Every other kind (text, timestamps, dates, times, base64 bytes) is a
//     string.
//
// Strings escape ", \ and control characters (\n, \r, \t, \b, \f, else
// \u00XX), and U+2028 and U+2029 (valid JSON, but line breaks to
// JavaScript); invalid UTF-8 becomes U+FFFD. The output is therefore valid
// UTF-8 JSON for any input. HTML characters (< > &) are not escaped.
//
// # XLSX
//
// A workbook streamed into a zip, part by part, with inline strings and no
// shared-strings table, so memory stays constant. Row 1 of every sheet is
// the header, bold and frozen. A sheet holds at most 1,048,576 rows (Excel's
// limit): after 1,048,575 data rows the next row starts "Sheet2" with the
// header again, and so on ("Sheet1", "Sheet2", "Sheet3", …). Cells:
//
//   - NULL leaves the cell empty; an empty string is an empty text cell.
//   - int and decimal are numeric cells, keeping their own text, when they
//     are valid JSON numbers with at most 15 significant digits (what Excel
//     keeps) and a decimal exponent within ±307: "42", "-0.000001",
//     "12.50", "1e+100". Otherwise — a 38-digit numeric, a 20-digit
//     identifier, "NaN" — they are text cells, so that no digit is lost or
//     rounded.
//   - float is a numeric cell, keeping its own text, when it is a valid JSON
//     number with a decimal exponent within ±307, whatever its digits: its
//     text reads back the double it is ("0.30000000000000004"), which is
//     what the cell holds. "NaN", "Infinity" and values past Excel's range
//     ("5e-324") are text cells.
//   - bool is a boolean cell (TRUE/FALSE).
//   - date, datetime and timestamp are date cells (see xlsxdate.go): the
//     serial number of the day and time, styled yyyy-mm-dd, yyyy-mm-dd
//     hh:mm:ss or yyyy-mm-dd hh:mm:ss.000, to the millisecond; an instant
//     (a value with an offset) is shown in XLSXOptions.Location, which the
//     header cell of each datetime and timestamp column names in a note
//     (a data-validation input message). Values a spreadsheet cannot hold
//     alike — before 1 March 1900, after 9999, or not a date ("infinity",
//     "0000-00-00") — are text cells. XLSXOptions.TextDates writes every
//     date as a text cell instead.
//   - Every other kind is a text cell holding the canonical text.
//
// Text is XML-escaped; CR is written as a character reference so that it
// survives XML's line-end normalisation. Characters that XML 1.0 forbids —
// the C0 controls other than tab, LF and CR (\x00–\x08, \x0B, \x0C,
// \x0E–\x1F), U+FFFE and U+FFFF — are removed, and invalid UTF-8 becomes
// U+FFFD: a workbook cannot hold them. Text that Excel would read as one of
// its own escapes (_x000D_ and the like) has its underscore escaped, so it
// shows as written. Cells are not truncated to Excel's limit of 32,767
// characters.
//
// Text cells (and, in CSV, every text value) that start like a formula get
// a leading apostrophe when neutralisation is on (see formula.go); numbers,
// booleans and dates are data and never do.
//
// The parts are [Content_Types].xml, _rels/.rels, xl/worksheets/sheetN.xml,
// xl/workbook.xml, xl/_rels/workbook.xml.rels and xl/styles.xml, in that
// order. A row that ends in NULLs ends with its last column's empty cell
// (<c r="L7"/>): the sheet has no <dimension> (its size is not known
// while it streams), and readers such as openpyxl's read-only mode take a
// row's length from its last cell.
//
// # HTML
//
// A standalone HTML5 page (lang="en", UTF-8, a viewport for phones, an
// inline style sheet; no script, no link, no image, nothing fetched): the
// report's title as <title> and <h1> ("Export" when there is none), the
// run's time and the period the rows were kept to when they are known, the
// table — a header row of <th scope="col">, a row per row, numbers (int,
// decimal, float values) right-aligned — and after it the number of rows.
// Cells hold each value's canonical text, escaped; NULL is an empty cell.
// Cells keep line breaks and runs of spaces (white-space: pre-wrap). CR LF
// and CR are written as LF (what an HTML parser makes of them); the other
// C0 controls and DEL, which HTML does not allow, are shown as their
// control pictures (␀ ␇ ␛ …, U+2400–U+2421); C1 controls, noncharacters
// and invalid UTF-8 as U+FFFD. Text cells that start like a formula are
// neutralised, as in CSV and XLSX: a spreadsheet can open an HTML table.
//
// HTMLOptions.Fragment writes the table alone, styled inline, for an
// e-mail body, and HTMLOptions.MaxRows shows at most that many rows: the
// sentence after the table says how many were left out (RowCountText).
//
// # Plain text
//
// An aligned table: the column names, a rule ("---+----"), a row a line
// with " | " between cells, a blank line, the number of rows ("(8 rows)"),
// and, when some were cut, a note naming them. The first TextSampleRows
// (100) rows set the width of each column, in display cells (East Asian
// wide characters count 2, combining marks 0); the encoder holds those
// rows, then streams. A text, JSON or binary value wider than
// TextCellWidth (40) cells, or than its column's width after the first 100
// rows, is cut and ends with "…"; numbers, booleans, dates and times are
// cut only past TextDataWidth (100) cells — past their column's width a
// longer one pushes the rest of its line. Numbers are right-aligned. NULL is an
// empty cell. So that a row stays one line whose cells line up, control
// characters are shown as their control pictures (tab ␉, LF ␊, CR ␍, NUL
// ␀, DEL ␡), U+2028 and U+2029 as ␤, C1 controls and invalid UTF-8 as
// U+FFFD. Spaces at the ends of a value cannot be told from the padding.
// Past TextOptions.MaxRows rows, Write fails with an error naming csv and
// xlsx, or, with TextOptions.LeftOut (an e-mail body), the rows are counted
// and the count says how many were left out.
//
// # XML
//
// A streamed XML 1.0 document in UTF-8: the root element is named after the
// report's title (made a name by the rule of XMLNames; "export" when the
// title has no letter or digit) and declares the xsi namespace; each row is
// a <row> element on a line of its own, holding an element per column, in
// order, named by XMLNames; a column whose name had to change carries its
// name in a name attribute (<_1st name="1st">). NULL is an empty element
// with xsi:nil="true"; an empty string an empty element without it.
// Values are their canonical text (base64 for bytes, the JSON document as
// text), with & < > escaped and CR written as &#13;. The characters XML
// 1.0 forbids — the C0 controls other than tab, LF and CR, U+FFFE, U+FFFF —
// and invalid UTF-8 become U+FFFD, so the document is always well-formed.
//
// # Parquet
//
// One Apache Parquet file (parquet-go), each column nullable and typed from
// its source column (see parquetColumnOf and README's table): integers as
// INT64, decimals of a known precision up to 38 as DECIMAL(p, s), others as
// their text, floats as FLOAT or DOUBLE, timestamps as microseconds adjusted
// to UTC or not, dates, times, bytes as themselves, JSON as JSON, the rest as
// STRING, invalid UTF-8 replaced by U+FFFD as in JSON. A value its column's
// type cannot hold fails the export naming the column and the row. Pages are
// compressed with zstd or snappy; a row group's pages wait in a temporary
// file until the group is cut (parquetSpill), so memory does not grow with
// the rows.
package format
