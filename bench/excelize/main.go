// Command excelize is the bench's XLSX baseline: it reads a query's rows
// from PostgreSQL with pgx and writes them with excelize's StreamWriter
// and its default save, as a Go program without Facteur would. It prints
// "rows: N" like facteur export.
//
//	go run ./bench/excelize -source postgres://… -query 'select …' -output f.xlsx
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/xuri/excelize/v2"
)

func main() {
	src := flag.String("source", "", "PostgreSQL URL")
	query := flag.String("query", "", "query to export")
	output := flag.String("output", "", "XLSX file to write")
	flag.Parse()
	n, err := export(context.Background(), *src, *query, *output)
	if err != nil {
		fmt.Fprintln(os.Stderr, "excelize:", err)
		os.Exit(1)
	}
	fmt.Printf("rows: %d\n", n)
}

func export(ctx context.Context, src, query, output string) (int64, error) {
	if src == "" || query == "" || output == "" {
		return 0, errors.New("give -source, -query and -output")
	}
	conn, err := pgx.Connect(ctx, src)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()

	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	fields := rows.FieldDescriptions()
	cells := make([]any, len(fields))
	for i, fd := range fields {
		cells[i] = fd.Name
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return 0, err
	}
	var n int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return n, err
		}
		for i, v := range vals {
			if num, ok := v.(pgtype.Numeric); ok {
				f, _ := num.Float64Value()
				v = f.Float64
			}
			cells[i] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, int(n)+2)
		if err != nil {
			return n, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, f.SaveAs(output)
}
