// Package kinds assembles the registry of the destination kinds Facteur
// ships with. Each kind lives in a package of its own under deliver/ and
// imports deliver, so the registry of all of them is put together here,
// for main to build and hand to the parts that need it. Adding a kind is
// its package (with a Kind function and a TestConformance that runs
// delivertest.Run) and a line here.
package kinds

import (
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/bigquery"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/deliver/gcs"
	"github.com/facteur/facteur/deliver/s3"
	"github.com/facteur/facteur/deliver/sftp"
	"github.com/facteur/facteur/deliver/webhook"
)

// Builtin returns a new registry of the kinds Facteur ships with, in the
// order the web form offers them: email, sftp, s3, gcs, bigquery, webhook and folder.
func Builtin() *deliver.Registry {
	r := deliver.NewRegistry()
	for _, k := range []deliver.Kind{
		email.Kind(),
		sftp.Kind(),
		s3.Kind(),
		gcs.Kind(),
		bigquery.Kind(),
		webhook.Kind(),
		folder.Kind(),
	} {
		if err := r.Register(k); err != nil {
			panic(err) // the built-in kinds have distinct names
		}
	}
	return r
}
