package query

// collectProblems gathers the failed queries of one refresh, named and with
// their expressions, and their warnings, each prefixed with its query's name
// and listed once, in query order. res[i] answers qs[i].
func collectProblems(qs []NamedQuery, res []queryResult) (errs []QueryError, warnings []string) {
	seen := map[string]bool{}
	for i, r := range res {
		if r.err != nil {
			errs = append(errs, QueryError{Name: qs[i].Name, Query: qs[i].Expr, Err: r.err})
		}
		for _, w := range r.warnings {
			w = qs[i].Name + ": " + w
			if !seen[w] {
				seen[w] = true
				warnings = append(warnings, w)
			}
		}
	}
	return errs, warnings
}
