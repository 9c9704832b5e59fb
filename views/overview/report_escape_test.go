package overview

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilterm/vigil/query"
	"github.com/vigilterm/vigil/views"
)

// hostileReport carries hostile text in every string a report prints.
func hostileReport() *Report {
	hostile := "a\u0085b\u009bc\u202ed\u2066e\u2069f\u200eg\x1b[31mh"
	return &Report{
		Context:    "ctx" + hostile,
		Prometheus: "http://prom:9090/" + hostile,
		Overview: &query.Overview{
			Endpoints: []query.Endpoint{{Name: "/x" + hostile, RPS: 1, ErrorRatio: 0.5, P50: 0.1, P99: 0.2, Exceptions: math.NaN()}},
			Window:    5 * time.Minute,
			At:        time.Unix(1700000000, 0),
			Errors:    []query.QueryError{{Name: "p99" + hostile, Query: "up" + hostile, Err: errors.New("bad" + hostile)}},
			Warnings:  []string{"warn" + hostile},
			Targets: query.Targets{Known: true, List: []query.Target{{
				Job: "flask" + hostile, Instance: "app:8000" + hostile, LastError: "refused" + hostile,
				Since: time.Unix(1699999000, 0),
			}}},
		},
		ExceptionsMetric: "flask_http_request_exceptions_total",
		Alerts: []ReportAlert{{
			Name: "**Boom** @channel <b>" + hostile, State: "firing", Severity: "critical" + hostile,
			Labels:     map[string]string{"path" + hostile: "/x" + hostile},
			Summary:    "**all** down, ping @here and @channel <script>alert(1)</script> [x](javascript:alert(2)) " + hostile,
			RunbookURL: "javascript:alert(1)",
			SilencedBy: []string{"id" + hostile},
		}},
	}
}

func TestReportJSONCarriesNoC1OrBidiControls(t *testing.T) {
	var b bytes.Buffer
	if err := hostileReport().Write(&b, views.FormatJSON); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	// Every string of the decoded document, map keys included.
	var walk func(v any)
	checked := 0
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			checked++
			for _, r := range v {
				if (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x1b {
					t.Errorf("string %q carries U+%04X", v, r)
				}
			}
		case map[string]any:
			for k, x := range v {
				walk(k)
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if checked < 15 {
		t.Errorf("only %d strings checked", checked)
	}
	if !utf8.Valid(b.Bytes()) {
		t.Error("invalid UTF-8")
	}
}

func TestReportMarkdownEscapesAnnotationsAndLinksOnlyWeb(t *testing.T) {
	var b bytes.Buffer
	if err := hostileReport().Write(&b, views.FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, bad := range []string{"](javascript:", "<script>", "<b>", "**all**", "**Boom**", "\u202e", "\u0085", "\x1b"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown carries %q:\n%s", bad, md)
		}
	}
	if m := regexp.MustCompile(`(^|[^\\])@(channel|here)`).FindString(md); m != "" {
		t.Errorf("markdown carries an unescaped mention %q:\n%s", m, md)
	}
	// The text is still there, escaped.
	for _, want := range []string{`\*\*all\*\*`, `\<script\>`, `\@channel`, "`javascript:alert(1)`"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	// An https runbook is a link; its parentheses cannot end it early.
	r := hostileReport()
	r.Alerts[0].RunbookURL = "https://wiki.example/run(book) x"
	b.Reset()
	if err := r.Write(&b, views.FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "[runbook](https://wiki.example/run%28book%29%20x)") {
		t.Errorf("https runbook not linked safely:\n%s", b.String())
	}
	for _, u := range []string{"data:text/html,<x>", "file:///etc/passwd", "//evil.example/x", "HTTPS:/nohost", "vbscript:x"} {
		r.Alerts[0].RunbookURL = u
		b.Reset()
		if err := r.Write(&b, views.FormatMarkdown); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "[runbook](") {
			t.Errorf("%q written as a link:\n%s", u, b.String())
		}
	}
}

// Snapshot alert lines carry the labels that tell alerts of one name apart,
// in text and markdown, and never a bare dash for a missing summary.
func TestReportAlertLinesCarryDistinguishingLabels(t *testing.T) {
	mk := func(path, summary string) ReportAlert {
		return ReportAlert{Name: "SlowAPIResponses", State: "firing", Severity: "warning", Summary: summary,
			Labels: map[string]string{"alertname": "SlowAPIResponses", "job": "flask", "instance": "app:8000", "route": path}}
	}
	r := &Report{
		Overview:      &query.Overview{Window: time.Minute, At: time.Unix(1700000000, 0)},
		EndpointLabel: "route",
		Alerts:        []ReportAlert{mk("/api/search", "p99 above 2s"), mk("/api/checkout", "")},
	}
	for _, f := range []string{views.FormatText, views.FormatMarkdown} {
		var b bytes.Buffer
		if err := r.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		noSummary := "(no summary)"
		if f == views.FormatMarkdown {
			noSummary = `\(no summary\)`
		}
		for _, want := range []string{"route=/api/search", "route=/api/checkout", noSummary, "p99 above 2s"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", f, want, out)
			}
		}
		if strings.Contains(out, "job=flask") || strings.Contains(out, "instance=") {
			t.Errorf("%s shows labels every alert of the name shares:\n%s", f, out)
		}
	}
}
