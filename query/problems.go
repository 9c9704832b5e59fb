package query

// collectProblems gathers the failed queries of one refresh, named and with
// their expressions, and their warnings, each prefixed with its query's name
// and listed once, in query order. res[i] answers qs[i]. Thanos's
// partial-response warnings, the same on every query, become one line
// first: "partial data: 1 store unreachable" (see PartialText).
func collectProblems(qs []NamedQuery, res []queryResult) (errs []QueryError, warnings []string) {
	seen := map[string]bool{}
	partial, stores := false, map[string]bool{}
	for i, r := range res {
		if r.err != nil {
			errs = append(errs, QueryError{Name: qs[i].Name, Query: qs[i].Expr, Err: r.err})
		}
		if p, st := partialStores(r.warnings); p {
			partial = true
			for s := range st {
				stores[s] = true
			}
		}
		for _, w := range r.warnings {
			if isPartialWarning(w) {
				continue
			}
			w = qs[i].Name + ": " + w
			if !seen[w] {
				seen[w] = true
				warnings = append(warnings, w)
			}
		}
	}
	if partial {
		warnings = append([]string{PartialText(len(stores))}, warnings...)
	}
	return errs, warnings
}
