package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// runRules prints the recording rules of the overview's aggregates for the
// configured metrics: `vigil rules [--window 1m,5m] > vigil.rules.yml`.
func runRules(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) > 0 && args[0] == "lint" {
		return runRulesLint(args[1:], stdout, stderr, getenv) // rules_lint.go
	}
	windows := query.DefaultRuleWindows
	rest, list, err := takeWindowList(args)
	if err != nil {
		return usageError{err}
	}
	if list != "" {
		if windows, err = query.ParseRuleWindows(list); err != nil {
			return usageError{fmt.Errorf("--window: %v", err)}
		}
	}
	o := newFlagSet("vigil rules", stderr)
	format := views.FormatText
	cfg, err := parseOneContext(o, rest, getenv, &format)
	if err != nil {
		return err
	}
	out, err := query.RulesFile(cfg.Shape(), windows)
	if err != nil {
		return usageError{err}
	}
	_, err = stdout.Write(out)
	return err
}

// takeWindowList removes --window LIST (or --window=LIST) from args: for
// `vigil rules` it is a list of windows, not the console's one window.
func takeWindowList(args []string) (rest []string, list string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "window" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, "", fmt.Errorf("--window needs a list of windows, e.g. --window %s", formatWindows(query.DefaultRuleWindows))
			}
			i++
			value = args[i]
		}
		list = value
	}
	return rest, list, nil
}

func formatWindows(ws []time.Duration) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = query.FormatDuration(w)
	}
	return strings.Join(parts, ",")
}
