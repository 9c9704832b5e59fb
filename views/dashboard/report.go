package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vigilterm/vigil/query/grafana"
	"github.com/vigilterm/vigil/views"
	"github.com/vigilterm/vigil/views/text"
)

// Snapshot is one dashboard read once, for vigil snapshot.
type Snapshot struct {
	Dashboard *grafana.Dashboard
	Vars      grafana.Vars
	Data      map[int]*grafana.PanelData
	Range     time.Duration
	At        time.Time
	// Scrape is the scrape interval the panels were asked with;
	// ScrapeWhy says why it is an assumption, when it is one.
	Scrape    time.Duration
	ScrapeWhy string
}

type snapSeries struct {
	Name string `json:"name"`
	// Value is nil when unknown; Text is the value in the panel's unit.
	Value *float64 `json:"value"`
	Text  string   `json:"text"`
}

type snapPanel struct {
	Title    string       `json:"title"`
	Type     string       `json:"type"`
	Row      string       `json:"row,omitempty"`
	Unit     string       `json:"unit,omitempty"`
	Queries  []string     `json:"queries,omitempty"`
	Series   []snapSeries `json:"series"`
	More     int          `json:"more_series,omitempty"`
	Error    string       `json:"error,omitempty"`
	NoData   bool         `json:"no_data,omitempty"`
	Findings []string     `json:"findings,omitempty"`
	Note     string       `json:"note,omitempty"`
}

type snapDash struct {
	Title  string    `json:"title"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
	Range  string    `json:"range"`
	// Scrape is the scrape interval behind $__rate_interval and the
	// rate-window check, with why when it is assumed.
	Scrape    string            `json:"scrape_interval"`
	Variables map[string]string `json:"variables"`
	Panels    []snapPanel       `json:"panels"`
}

func snapshotOf(s Snapshot) snapDash {
	d := s.Dashboard
	sc := s.Vars.Scope()
	out := snapDash{Title: d.Title, Source: d.Source, At: s.At.UTC(), Range: views.FormatDuration(s.Range), Variables: map[string]string{}}
	if s.Scrape > 0 {
		out.Scrape = views.FormatDuration(s.Scrape)
		if s.ScrapeWhy != "" {
			out.Scrape += " (" + s.ScrapeWhy + ")"
		}
	}
	for _, v := range s.Vars {
		t := v.Text()
		if v.Err != nil {
			t += " (" + v.Err.Error() + ")"
		}
		out.Variables[v.Var.Name] = t
	}
	for i, p := range d.Panels {
		if p.Kind == grafana.KindRow {
			continue
		}
		sp := snapPanel{Title: grafana.InterpolateText(p.Title, sc), Type: p.Type, Row: p.Row, Unit: p.Field.Unit, Series: []snapSeries{}}
		switch p.Kind {
		case grafana.KindUnsupported:
			sp.Note = p.Unsupported
		case grafana.KindText:
			sp.Note = "text panel"
		}
		if pd := s.Data[i]; pd != nil {
			for _, t := range pd.Targets {
				sp.Queries = append(sp.Queries, t.Expr)
			}
			if err := pd.Err(); err != nil {
				sp.Error = err.Error()
			}
			for _, ser := range pd.Series {
				v := ser.Value
				if ser.Values != nil && !pd.Buckets && p.Kind == grafana.KindGraph {
					v = grafana.Last(ser.Values)
				}
				name, txt := ser.Name, grafana.Format(v, p.Field.Unit, p.Field.Decimals)
				if pd.Buckets {
					// A heatmap's unit is its buckets' bounds; the cells are counts.
					name = "le=" + strconv.FormatFloat(ser.Le, 'g', -1, 64)
					txt = grafana.Format(v, "short", nil)
				}
				ss := snapSeries{Name: name, Text: txt}
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					x := v
					ss.Value = &x
				}
				sp.Series = append(sp.Series, ss)
			}
			sp.More = pd.More
			sp.NoData = sp.Error == "" && len(pd.Series) == 0
			sp.Findings = pd.Findings
		}
		out.Panels = append(out.Panels, sp)
	}
	return out
}

// WriteSnapshots writes the dashboards in format (text, json,
// markdown); everything read from outside is sanitized.
func WriteSnapshots(w io.Writer, snaps []Snapshot, format string) error {
	all := make([]snapDash, len(snaps))
	for i, s := range snaps {
		all[i] = snapshotOf(s)
	}
	switch format {
	case views.FormatJSON:
		for i := range all {
			views.SanitizeJSON(&all[i])
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"dashboards": all})
	case views.FormatMarkdown:
		var b strings.Builder
		for _, d := range all {
			fmt.Fprintf(&b, "## %s\n\n%s · last %s · %s\n\n", text.Markdown(text.Sanitize(d.Title)), text.Markdown(text.Sanitize(d.Source)), d.Range, d.At.Format(time.RFC3339))
			for _, p := range d.Panels {
				fmt.Fprintf(&b, "### %s\n\n", text.Markdown(text.Sanitize(p.Title)))
				switch {
				case p.Error != "":
					fmt.Fprintf(&b, "**error:** %s\n\n", text.Markdown(text.Sanitize(p.Error)))
				case p.Note != "":
					fmt.Fprintf(&b, "_%s_\n\n", text.Markdown(text.Sanitize(p.Note)))
				case p.NoData:
					b.WriteString("no data\n\n")
				case len(p.Series) > 0:
					b.WriteString("| series | value |\n|---|---|\n")
					for _, s := range p.Series {
						fmt.Fprintf(&b, "| %s | %s |\n", text.Markdown(text.Sanitize(s.Name)), text.Markdown(text.Sanitize(s.Text)))
					}
					b.WriteString("\n")
				}
				for _, f := range p.Findings {
					fmt.Fprintf(&b, "⚠ %s\n\n", text.Markdown(text.Sanitize(f)))
				}
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	var b strings.Builder
	for _, d := range all {
		fmt.Fprintf(&b, "%s  (%s, last %s, %s)\n", text.Sanitize(d.Title), text.Sanitize(d.Source), d.Range, d.At.Format(time.RFC3339))
		if d.Scrape != "" {
			fmt.Fprintf(&b, "scrape interval %s\n", text.Sanitize(d.Scrape))
		}
		for _, p := range d.Panels {
			fmt.Fprintf(&b, "\n  %s [%s]\n", text.Sanitize(p.Title), text.Sanitize(p.Type))
			switch {
			case p.Error != "":
				fmt.Fprintf(&b, "    error: %s\n", text.Sanitize(p.Error))
			case p.Note != "":
				fmt.Fprintf(&b, "    (%s)\n", text.Sanitize(p.Note))
			case p.NoData:
				b.WriteString("    no data\n")
			}
			for _, s := range p.Series {
				fmt.Fprintf(&b, "    %-50s %s\n", text.Truncate(text.Sanitize(s.Name), 50), text.Sanitize(s.Text))
			}
			if p.More > 0 {
				fmt.Fprintf(&b, "    … %d more series\n", p.More)
			}
			for _, f := range p.Findings {
				fmt.Fprintf(&b, "    ⚠ %s\n", text.Sanitize(f))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
