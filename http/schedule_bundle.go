package http

import (
	"context"
	"fmt"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
)

// checkBundle checks the further reports of a dashboard as checkSchedule
// checks its first: each exists, and its fields, obfuscation rules,
// chart and parameter values fit it; and that the destination takes
// separate files when the bundle delivers them so.
func (s *Server) checkBundle(ctx context.Context, sc *facteur.Schedule, first *facteur.Report, dest *facteur.Destination) error {
	if sc.Bundle == nil {
		return nil
	}
	if k, err := s.kinds().Lookup(dest.Kind); err == nil && k.OneFile && sc.Bundle.Packaging == facteur.PackFiles {
		return facteur.Errorf(facteur.EINVALID, "bundle.packaging: a %s destination takes one file per delivery; choose %q to send the reports in one zip", dest.Kind, facteur.PackZip)
	}
	for i, p := range sc.Bundle.Reports {
		at := fmt.Sprintf("bundle.reports[%d].", i)
		rep, err := s.Store.Report(ctx, p.ReportID)
		if facteur.ErrorCode(err) == facteur.ENOTFOUND {
			return facteur.Errorf(facteur.EINVALID, "%sreport_id: there is no report %d", at, p.ReportID)
		} else if err != nil {
			return err
		}
		fields, err := rep.SelectFields(p.IncludeFields, p.Obfuscate)
		if err != nil {
			return facteur.Errorf(facteur.EINVALID, "%s%s", at, facteur.ErrorMessage(err))
		}
		if err := s.checkChart(sc.Format, rep.Chart, fields, p.Obfuscate); err != nil {
			return facteur.Errorf(facteur.EINVALID, "%s%s", at, facteur.ErrorMessage(err))
		}
		if err := facteur.CheckParamValues(rep.Parameters, p.Params, true); err != nil {
			return facteur.Errorf(facteur.EINVALID, "%s%s", at, facteur.ErrorMessage(err))
		}
	}
	return nil
}

// checkBundleNames checks that the file name template gives every file
// of a dashboard a name of its own (and a usable one).
func (s *Server) checkBundleNames(ctx context.Context, sc *facteur.Schedule) error {
	if sc.Bundle == nil {
		return nil
	}
	names := make([]string, 0, len(sc.Bundle.Reports)+1)
	for _, p := range sc.Parts() {
		rep, err := s.Store.Report(ctx, p.ReportID)
		if err != nil {
			return err
		}
		names = append(names, rep.Name)
	}
	ext := s.Formats.FileExtension(sc.Format)
	_, _, err := export.BundleNames(sc, names, export.NameVars{Label: sc.Name, Time: s.Now(), RunID: 1}, ext, "zip")
	return err
}
