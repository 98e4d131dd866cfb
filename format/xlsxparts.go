package format

import (
	"bufio"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// The fixed parts of a workbook (ECMA-376, SpreadsheetML). Only the sheets
// and the workbook's list of them depend on the data.

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// contentTypesXML is written first, before the number of sheets is known:
// every .xml part defaults to the worksheet type and the two parts that are
// not worksheets say so with an Override. This is valid OPC (ECMA-376 Part 2,
// 10.1.2) and lets the archive start with [Content_Types].xml and
// _rels/.rels, where tools such as file(1) look to recognise a workbook.
const contentTypesXML = xmlHeader +
	`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
	`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
	`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
	`</Types>`

const rootRelsXML = xmlHeader +
	`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
	`</Relationships>`

// stylesXML holds five cell formats: 0, the default; 1, bold for the header
// row; 2, 3 and 4 for date cells (see xlsxdate.go): a date, a date and time,
// and a date and time with milliseconds, written the ISO way whatever the
// reader's locale. Excel requires the two built-in fills.
const stylesXML = xmlHeader +
	`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>` +
	`<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>` +
	`<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss.000"/></numFmts>` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
	`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

// sheetHead opens a worksheet with row 1 frozen; the first sheet is the
// selected tab.
func sheetHead(first bool) string {
	tab := ""
	if first {
		tab = ` tabSelected="1"`
	}
	return xmlHeader +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<sheetViews><sheetView` + tab + ` workbookViewId="0">` +
		`<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>` +
		`</sheetView></sheetViews><sheetData>`
}

const sheetTail = `</sheetData></worksheet>`

// zoneNotes returns the end of a sheet whose dates are date cells: when
// some columns hold dates and times, a note on each of their header cells
// says in which time zone they are shown (an input message, which Excel
// and LibreOffice show when the cell is selected; it needs no other part
// in the package).
func zoneNotes(cols []facteur.Column, zone string) string {
	var b strings.Builder
	b.WriteString(`</sheetData>`)
	var notes []string
	for i, c := range cols {
		var note string
		switch c.Kind {
		case facteur.KindTimestamp:
			note = "Dates and times in " + zone + "."
		case facteur.KindDateTime:
			note = "Dates and times as stored; those stored with a UTC offset are shown in " + zone + "."
		default:
			continue
		}
		notes = append(notes, `<dataValidation allowBlank="1" showInputMessage="1" promptTitle="Time zone" prompt="`+
			xmlAttr(note)+`" sqref="`+columnName(i)+`1"/>`)
	}
	if len(notes) > 0 {
		b.WriteString(`<dataValidations count="` + strconv.Itoa(len(notes)) + `">` + strings.Join(notes, "") + `</dataValidations>`)
	}
	b.WriteString(`</worksheet>`)
	return b.String()
}

// xmlAttr escapes s for a double-quoted XML attribute.
func xmlAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// writeWorkbook writes xl/workbook.xml for the sheets named names.
func writeWorkbook(bw *bufio.Writer, names []string) {
	bw.WriteString(xmlHeader +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	for i, name := range names {
		n := strconv.Itoa(i + 1)
		bw.WriteString(`<sheet name="` + xmlAttr(name) + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
	}
	bw.WriteString(`</sheets></workbook>`)
}

// writeWorkbookRels writes xl/_rels/workbook.xml.rels: rId1 … rIdN are the
// sheets, rIdN+1 the styles.
func writeWorkbookRels(bw *bufio.Writer, sheets int) {
	bw.WriteString(xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 1; i <= sheets; i++ {
		n := strconv.Itoa(i)
		bw.WriteString(`<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
	}
	bw.WriteString(`<Relationship Id="rId` + strconv.Itoa(sheets+1) + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	bw.WriteString(`</Relationships>`)
}
