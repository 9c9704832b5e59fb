package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/vigilterm/vigil"
	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views/text"
)

// auditPath is the configured audit log, else the default one.
func auditPath(cfg *vigil.Config) string {
	if cfg.AuditLog != "" {
		return cfg.AuditLog
	}
	return query.DefaultAuditPath()
}

// loadConfig loads the file of --config, else of $VIGIL_CONFIG, else the
// default one, for the subcommands that need only the file.
func loadConfig(flagPath string, getenv func(string) string) (vigil.Config, error) {
	if flagPath == "" {
		flagPath = getenv("VIGIL_CONFIG")
	}
	cfg, err := vigil.Load(flagPath)
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// runAudit prints the audit log: every write vigil made to Alertmanager.
func runAudit(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fset := flag.NewFlagSet("vigil audit", flag.ContinueOnError)
	fset.SetOutput(stderr)
	file := fset.String("file", "", "audit log `file` (default: audit_log from the config, else $XDG_STATE_HOME/vigil/audit.log)")
	configPath := fset.String("config", "", "config `file`")
	asJSON := fset.Bool("json", false, "print the raw JSON lines")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	path := *file
	explicit := path != ""
	if path == "" {
		cfg, err := loadConfig(*configPath, getenv)
		if err != nil {
			return err
		}
		path = auditPath(&cfg)
	}
	f, err := os.Open(path)
	if explicit && err != nil {
		// A file named on the command line must exist: a typo is not
		// "nothing was written".
		return usageError{fmt.Errorf("flag --file: cannot read audit log %s: %w", path, unwrapPath(err))}
	}
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "vigil: no audit log at %s yet: nothing was written to Alertmanager\n", path)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if *asJSON {
		_, err := io.Copy(stdout, f)
		return err
	}
	entries, bad, err := query.ReadAudit(f)
	for _, b := range bad {
		// The line's number after the path, as compilers name a place.
		fmt.Fprintf(stderr, "vigil: warning: %s:%s (skipped)\n", path, strings.TrimPrefix(text.Sanitize(b.Error()), "line "))
	}
	if err != nil {
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tACTION\tRESULT\tSILENCE\tMATCHERS\tCOMMENT\tALERTMANAGER")
	for _, e := range entries {
		result := e.Result
		if e.Error != "" {
			result += ": " + e.Error
		}
		id := e.SilenceID
		if e.ReplacedID != "" {
			id += " (replaces " + e.ReplacedID + ")"
		}
		if e.Reused {
			id += " (retry found it)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05"),
			text.Sanitize(e.User), text.Sanitize(e.Action), text.Sanitize(result), text.Sanitize(id), text.Sanitize(e.Matchers),
			text.Sanitize(e.Comment), text.Sanitize(strings.Join(e.Alertmanager, ",")))
	}
	return tw.Flush()
}

// unwrapPath drops the path os.Open repeats, keeping the cause.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
