package query

import (
	"strings"
	"testing"
)

func TestCheckSelector(t *testing.T) {
	good := []string{
		``, `  `, `job="flask"`, `job="flask",`, ` job = "flask" , env!="dev"`, `path=~"/api/.*"`,
		`path!~'/blog/.*'`, "code=`5..`", `a_b1="x\"y"`, `instance=~"10\\.0\\..*"`,
		// What the hand-written check did not know: UTF-8 names, quoted,
		// as Prometheus 3 takes them, and a line break between matchers.
		`"service.name"="checkout"`, `"http.route"=~"/api/.+", job="flask"`, "job=\"flask\",\nenv=\"prod\"",
	}
	for _, s := range good {
		if err := CheckSelector(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	bad := []struct{ in, want string }{
		{`job="flask`, "column 5: unterminated quoted string"},
		{`job=flask`, `column 5: unexpected identifier "flask" in label matching, expected string`},
		{`job`, "at the end: the selector ends in label matching, expected label matching operator"},
		{`job=="flask"`, "column 5"},
		{`1job="x"`, "column 1"},
		{`job="a" env="b"`, "column 9"},
		{`job="a",,env="b"`, "column 9"},
		{`path=~"(unclosed"`, "column 7: bad regular expression: missing closing ): `(unclosed`"},
		{`env="prod", path=~"(unclosed"`, "column 19: bad regular expression"},
		{`job="\q"`, "column 5: unknown escape sequence"},
		{`job="a"}`, "column 8"},
		{`job="a" or vector(1)`, "column 9"},
		// A brace would close the selector and let a query be written
		// after it: refused by the parser, at the brace.
		{`job="a"} or {b="c"`, "column 8: this } ends the selector"},
		{`job="a"} # the rest of the query`, "column 8: this } ends the selector"},
		{`path="}"}`, "column 9"},
		{"job=\"a\",\nenv=prod", "line 2, column 5"},
		{`ünï="x"`, "column 1"},
		// The metric name is vigil's to set: Prometheus refuses every
		// query with a second one.
		{`__name__=~".+"`, `__name__=~".+" matches on the metric name`},
		{`job="a", "up"`, `__name__="up" matches on the metric name`},
	}
	for _, c := range bad {
		err := CheckSelector(c.in)
		if err == nil {
			t.Errorf("%q accepted", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want it to name %s", c.in, err, c.want)
		}
		// The selector is named, as it was written (escaped).
		if !strings.Contains(err.Error(), "in {"+printable(c.in)+"}") {
			t.Errorf("%q: %v does not name the selector", c.in, err)
		}
	}
}

// No character of a hostile selector reaches the message raw.
func TestCheckSelectorEscapesHostileCharacters(t *testing.T) {
	for _, s := range []string{
		"job=\"a\x1b[31m", "job=\u202e\"x\"", "path=~\"(\x9b\"", "job=\"a\" \x07", "job=\xff\"a\"",
	} {
		err := CheckSelector(s)
		if err == nil {
			t.Errorf("%q accepted", s)
			continue
		}
		for _, r := range err.Error() {
			if r == 0x1b || r == 0x07 || r == 0x9b || r == 0x202e {
				t.Errorf("%q: the message has %U raw: %q", s, r, err.Error())
			}
		}
	}
}

func FuzzCheckSelector(f *testing.F) {
	for _, s := range []string{`job="flask"`, `path=~"(x"`, `"a.b"="c"`, `job="a"} or {`, "a=\"\x1b\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckSelector(s); err != nil {
			if msg := err.Error(); msg != printable(msg) {
				t.Fatalf("%q: a raw character in %q", s, msg)
			}
		}
	})
}

func TestCheckPromQL(t *testing.T) {
	good := []string{
		`up`, `sum by (job) (rate(flask_http_request_total{status=~"5.."}[5m])) / sum by (job) (rate(flask_http_request_total[5m]))`,
		`{"service.name"="checkout"}`, `histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))`,
		// Left to the server: a function this parser does not know, an
		// experimental one a server may have enabled.
		`oops(up)`, `limitk(2, up)`, `mad_over_time(up[5m])`,
	}
	for _, q := range good {
		if err := CheckPromQL(q); err != nil {
			t.Errorf("%q refused: %v", q, err)
		}
	}
	bad := []struct{ in, want string }{
		{`sum by job (up)`, `1:8: parse error: not sent: unexpected identifier "job" in grouping opts, expected "("`},
		{`rate(up[5m]`, "1:12: parse error: not sent: unclosed left parenthesis"},
		{`up{job="a`, "1:8: parse error: not sent: unterminated quoted string"},
		{`rate(up)`, "parse error: not sent: expected type range vector in call to function \"rate\""},
		{`up{path=~"("}`, "parse error: not sent: error parsing regexp"},
	}
	for _, c := range bad {
		err := CheckPromQL(c.in)
		if err == nil {
			t.Errorf("%q accepted", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %s", c.in, err, c.want)
		}
		// The prompt finds the place to move the cursor to.
		if _, ok := ParseErrorOf(err); !ok {
			t.Errorf("%q: no position in %v", c.in, err)
		}
	}
	if err := CheckPromQL("up{job=\"\x1b[2J\u202e\"} +"); err == nil || err.Error() != printable(err.Error()) {
		t.Errorf("hostile query: %q", err)
	}
}
