package formattest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// readerScript reads a file with Python's own modules (csv, zipfile, json,
// and Debian's python3-openpyxl for xlsx) and prints its header and rows
// as JSON: {"header": [...] or null, "rows": [[cell or null, ...], ...]}.
// JSON numbers keep their literal text; nested JSON is written compact.
const readerScript = `
import csv, io, json, re, sys, zipfile
kind, path = sys.argv[1], sys.argv[2]

class Num(str):
    pass

def compact(v):
    if isinstance(v, Num): return str(v)
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return "[" + ",".join(compact(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + compact(x) for k, x in v.items()) + "}"

def cell(v):
    if v is None: return None
    if isinstance(v, (dict, list)) or v is True or v is False: return compact(v)
    return str(v)

def objects(objs):
    header = list(objs[0].keys()) if objs else None
    return header, [[cell(v) for v in o.values()] for o in objs]

def load(text):
    return json.loads(text, parse_float=Num, parse_int=Num, parse_constant=Num)

header, rows = None, []
if kind in ("csv", "zip"):
    data = open(path, "rb").read()
    if kind == "zip":
        z = zipfile.ZipFile(io.BytesIO(data))
        assert len(z.namelist()) == 1, z.namelist()
        data = z.read(z.namelist()[0])
    text = data.decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    if records:
        header, rows = records[0], records[1:]
elif kind == "json":
    header, rows = objects(load(open(path, encoding="utf-8").read()))
elif kind == "ndjson":
    lines = open(path, encoding="utf-8", newline="").read().split("\n")
    assert lines[-1] == "", "the file does not end with a new line"
    header, rows = objects([load(l) for l in lines[:-1]])
elif kind == "xlsx":
    import datetime, openpyxl
    unescape = lambda s: re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for i, r in enumerate(ws.iter_rows(values_only=True)):
            out = []
            for v in r:
                if isinstance(v, bool): out.append("true" if v else "false")
                elif isinstance(v, float): out.append(repr(v))
                elif isinstance(v, str): out.append(unescape(v))
                else: out.append(None if v is None else str(v))
            if i == 0:
                header = header or out
            else:
                rows.append(out)
print(json.dumps({"header": header, "rows": rows}))
`

// python reads file with readerScript as kind ("csv", "zip", "json",
// "ndjson", "xlsx").
func python(t *testing.T, kind string, file []byte) (header []*string, rows [][]*string) {
	t.Helper()
	if os.Getenv("FACTEUR_TEST_OPENPYXL") == "skip" && kind == "xlsx" {
		t.Skip("SKIPPED: FACTEUR_TEST_OPENPYXL=skip")
	}
	path := filepath.Join(t.TempDir(), "file."+kind) // openpyxl goes by the extension
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", readerScript, kind, path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("Python (with Debian's python3-openpyxl for xlsx, installed by scripts/test.sh) cannot read the %s file: %v\n%s", kind, err, msg)
	}
	var got struct {
		Header []*string   `json:"header"`
		Rows   [][]*string `json:"rows"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("reader output: %v\n%.500s", err, out)
	}
	return got.Header, got.Rows
}

// PythonCSV reads a comma-separated file with Python's csv module.
var PythonCSV = Reader{Program: "Python's csv", NullIsEmpty: true,
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) { return python(t, "csv", b) }}

// PythonCSVInZip reads the single CSV file of a zip with Python's zipfile and csv.
var PythonCSVInZip = Reader{Program: "Python's zipfile and csv", NullIsEmpty: true,
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) { return python(t, "zip", b) }}

// PythonJSON reads a JSON array of objects with Python's json.
var PythonJSON = Reader{Program: "Python's json",
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) { return python(t, "json", b) }}

// PythonNDJSON reads one JSON object a line with Python's json.
var PythonNDJSON = Reader{Program: "Python's json, line by line",
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) { return python(t, "ndjson", b) }}

// Openpyxl reads every sheet of a workbook with openpyxl; numbers come
// back as doubles, text with Excel's _xHHHH_ escapes decoded, and
// without the characters XML cannot hold.
var Openpyxl = Reader{Program: "openpyxl", NullIsEmpty: true, Doubles: true, Keeps: XMLText,
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) { return python(t, "xlsx", b) }}
