package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/query/rulecheck"
	"github.com/vigilterm/vigil/views"
)

// maxBacktests bounds the rules one `vigil doctor --rules --backtest`
// backtests: each costs a few range queries.
const maxBacktests = 20

// backtests backtests each alerting rule with a finding not acknowledged,
// and its fix, over 24h and 7d.
func backtests(cfg *vigil.Config, api rulecheck.API, rules []rulecheck.Rule, rep *rulecheck.Report) ([]*rulecheck.Backtest, int) {
	var out []*rulecheck.Backtest
	skipped := 0
	for _, r := range rules {
		if r.Kind != rulecheck.KindAlert {
			continue
		}
		fix, found := "", false
		for _, f := range rep.For(r.Name, r.Group) {
			if f.Ignored == "" {
				found = true
				if fix == "" {
					fix = f.FixExpr
				}
			}
		}
		if !found {
			continue
		}
		if len(out) == maxBacktests {
			skipped++
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 6*cfg.Prometheus.Timeout.D())
		out = append(out, rulecheck.RunBacktest(ctx, api, r, fix, time.Now(), rulecheck.BacktestRanges))
		cancel()
	}
	return out, skipped
}

// maxLintFiles bounds the files of one `vigil rules lint`.
const maxLintFiles = 1000

// runRulesLint checks rule files: `vigil rules lint [--prometheus URL]
// [--scrape-interval 15s] [--format text|json|markdown] FILE…`. Offline it
// runs the checks that need only the files; with --prometheus (the flag,
// not the config's URL) it also reads that Prometheus's series, targets
// and retention. Exit 0 clean, 1 on a finding, a file error or an unknown
// check, 2 on bad flags.
func runRulesLint(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o := newFlagSet("vigil rules lint", stderr)
	format := o.fs.String("format", views.FormatText, "output `format`: text, json or markdown")
	scrape := o.fs.String("scrape-interval", "", "scrape `interval` assumed offline for the rate-window check (e.g. 15s); online it is read from the targets")
	flags, files := splitFileArgs(o.fs, args)
	cfg, err := parseOneContext(o, flags, getenv, format)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{errors.New("vigil rules lint: name at least one rule file, e.g. vigil rules lint rules/*.yml")}
	}
	if len(files) > maxLintFiles {
		return usageError{fmt.Errorf("vigil rules lint: %d files, at most %d at once", len(files), maxLintFiles)}
	}
	opts := rulecheck.Options{Ignore: cfg.RuleIgnores()}
	if *scrape != "" {
		d, err := query.ParseDuration(*scrape)
		if err != nil || d <= 0 {
			return usageError{fmt.Errorf("--scrape-interval %q: write a duration such as 15s", *scrape)}
		}
		opts.ScrapeInterval = d
	}
	out := rulesOutput{Command: "vigil rules lint", Files: files}
	var rules []rulecheck.Rule
	for _, f := range files {
		rs, errs := rulecheck.ReadFile(f)
		rules = append(rules, rs...)
		out.FileErrors = append(out.FileErrors, errs...)
	}
	var env *rulecheck.Env
	if flagGiven(flags, "prometheus") {
		prom, err := newPrometheus(&cfg)
		if err != nil {
			return err
		}
		defer prom.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*cfg.Prometheus.Timeout.D()+time.Second)
		defer cancel()
		out.Prometheus = cfg.Prometheus.URL
		env = rulecheck.Gather(ctx, prom.API(), rules)
	}
	out.Report = rulecheck.Check(rules, env, opts)
	if err := out.write(stdout, *format); err != nil {
		return err
	}
	if why := out.failed(); why != "" {
		return fmt.Errorf("rules lint: %s", why)
	}
	return nil
}

// splitFileArgs separates the flags (with their values) from the file
// names, wherever the files stand; "--" ends the flags.
func splitFileArgs(fs *flag.FlagSet, args []string) (flags, files []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(files, args[i+1:]...)
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			files = append(files, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if hasValue {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, files
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagGiven reports whether --name (or -name) is among the flag args.
func flagGiven(flags []string, name string) bool {
	for _, a := range flags {
		n, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && n == name {
			return true
		}
	}
	return false
}

// runDoctorRules is `vigil doctor --rules`: the checks on the rules the
// configured Prometheus has loaded (/api/v1/rules), online.
func runDoctorRules(cfg *vigil.Config, format string, backtest bool, stdout io.Writer) error {
	prom, err := newPrometheus(cfg)
	if err != nil {
		return err
	}
	defer prom.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*cfg.Prometheus.Timeout.D()+time.Second)
	defer cancel()
	out := rulesOutput{Command: "vigil doctor --rules", Prometheus: cfg.Prometheus.URL}
	rules, err := rulecheck.LoadRules(ctx, prom.API())
	if err != nil {
		return err
	}
	env := rulecheck.Gather(ctx, prom.API(), rules)
	env.Requests++ // the rules themselves
	out.Report = rulecheck.Check(rules, env, rulecheck.Options{Ignore: cfg.RuleIgnores()})
	if backtest {
		out.Backtests, out.Skipped = backtests(cfg, prom.API(), rules, out.Report)
	}
	if err := out.write(stdout, format); err != nil {
		return err
	}
	if why := out.failed(); why != "" {
		return fmt.Errorf("doctor --rules: %s", why)
	}
	return nil
}
