package formattest

import (
	"io"

	"github.com/facteur/facteur/format"
)

// ThrowAway returns a format that only tests register ("tsv-test":
// tab-separated values with a header, typed text/tab-separated-values), to
// check that every part of the program reads the registry it is given:
// the API's validation, the web UI's choices, the CLI's help and the
// destinations' content type.
func ThrowAway() format.Format {
	return format.Format{
		Name: "tsv-test", Ext: "tsv", MediaType: "text/tab-separated-values",
		Compressible: true,
		Help:         "tab-separated values, registered by a test",
		Options:      []string{format.OptionNoHeader},
		New: func(w io.Writer, t format.Target) (format.Encoder, error) {
			return format.NewCSVEncoder(w, t.Cols, format.CSVOptions{NoHeader: t.Options.NoHeader, Delimiter: '\t'}), nil
		},
	}
}

// Registry returns the built-in formats and the throw-away one.
func Registry() *format.Registry {
	r := format.Builtin()
	if err := r.Register(ThrowAway()); err != nil {
		panic(err)
	}
	return r
}
