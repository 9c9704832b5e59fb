package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// promqlParser is Prometheus's own PromQL parser, with its default
// options: no experimental functions or syntax (those are left to the
// server that enables them).
var promqlParser = parser.NewParser(parser.Options{})

// CheckSelector checks a label selector written without braces, as vigil
// puts it inside the braces of each of its queries (metric{S,...}). It is
// parsed as {S} by Prometheus's own PromQL parser, so it takes exactly
// what PromQL takes there: matchers name OP "value" with OP one of = != =~
// !~, commas between them (a trailing one is allowed), names quoted when
// they are UTF-8 ("service.name"="x"), values quoted with ", ' or `, and
// regular expressions that compile. An empty selector is valid. A matcher
// on the metric name is refused: vigil names the metric of each query, and
// Prometheus refuses a second one.
//
// The error names the selector and the 1-based column of the problem
// (line and column when it spans lines), so a bad selector is refused
// before any query is sent, not as a parse error from every query. No
// character of the selector reaches the message raw: control, C1 and bidi
// characters are written as escapes.
func CheckSelector(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	in := "{" + s + "}"
	ms, err := promqlParser.ParseMetricSelector(in)
	if err != nil {
		return selectorError(s, in, err)
	}
	// A comment can hide what follows a brace from the parse: job="a"} #
	if b := earlyBrace(in); b >= 0 {
		return braceError(s, b)
	}
	for _, m := range ms {
		if m != nil && m.Name == labels.MetricName {
			return fmt.Errorf("in {%s}: %s matches on the metric name: vigil names the metric of each query "+
				"(Prometheus refuses a second one); keep only label matchers", printable(clip(s)), printable(m.String()))
		}
	}
	return nil
}

// selectorError words a parse error of in ({s}) at its place in s.
func selectorError(s, in string, err error) error {
	var pes parser.ParseErrors
	var pe *parser.ParseErr
	switch {
	case errors.As(err, &pes) && len(pes) > 0:
		pe = &pes[0]
	case errors.As(err, &pe):
	default:
		return fmt.Errorf("in {%s}: %s", printable(clip(s)), printable(err.Error()))
	}
	at := int(pe.PositionRange.Start)
	msg := pe.Err.Error()
	if rest, ok := strings.CutPrefix(msg, "error parsing regexp: "); ok {
		// A regexp that does not compile: the parser names the whole
		// matcher; the column is that of its value.
		at = lastStringIn(in, int(pe.PositionRange.Start), int(pe.PositionRange.End))
		msg = "bad regular expression: " + rest
	}
	if at >= len(in)-1 {
		// The parser read to the closing brace vigil adds.
		msg = strings.Replace(msg, `unexpected "}"`, "the selector ends", 1)
	}
	if b := earlyBrace(in); b >= 0 && b <= at {
		return braceError(s, b)
	}
	// in has one "{" before s.
	return fmt.Errorf("in {%s}: %s: %s", printable(clip(s)), columnOf(s, at-1), printable(msg))
}

// earlyBrace is the position in in ({s}) of a "}" that closes the
// selector before the last character, outside any string, else -1.
func earlyBrace(in string) int {
	l := parser.Lex(in)
	for range len(in) + 2 { // at most one item per byte, and EOF
		var it parser.Item
		l.NextItem(&it)
		switch {
		case it.Typ == parser.EOF || it.Typ == parser.ERROR:
			return -1
		case it.Typ == parser.RIGHT_BRACE:
			if int(it.Pos) < len(in)-1 {
				return int(it.Pos)
			}
			return -1
		}
	}
	return -1
}

// braceError says that the selector's brace at b (in {s}) ends it early.
func braceError(s string, b int) error {
	return fmt.Errorf("in {%s}: %s: this } ends the selector, and what follows it would be read as more query: "+
		"write the selector without braces, e.g. job=\"flask\"", printable(clip(s)), columnOf(s, b-1))
}

// lastStringIn is the position of the last string literal that starts in
// [start, end) of in (a matcher's value), else start.
func lastStringIn(in string, start, end int) int {
	at := start
	l := parser.Lex(in)
	for range len(in) + 2 { // at most one item per byte, and EOF
		var it parser.Item
		l.NextItem(&it)
		if it.Typ == parser.EOF || it.Typ == parser.ERROR || int(it.Pos) >= end {
			break
		}
		if it.Typ == parser.STRING && int(it.Pos) >= start {
			at = int(it.Pos)
		}
	}
	return at
}

// columnOf is "column N" (1-based, in characters) of byte offset i of s,
// "line L, column N" when s spans lines, and "at the end" past its last
// character.
func columnOf(s string, i int) string {
	i = max(i, 0)
	if i >= len(s) {
		return "at the end"
	}
	line, lineStart := 1, 0
	for j := 0; j < i; j++ {
		if s[j] == '\n' {
			line, lineStart = line+1, j+1
		}
	}
	col := utf8.RuneCountInString(s[lineStart:i]) + 1
	if strings.Contains(s, "\n") {
		return fmt.Sprintf("line %d, column %d", line, col)
	}
	return fmt.Sprintf("column %d", col)
}

// clip shortens a selector echoed in an error.
func clip(s string) string {
	const most = 200
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	return string([]rune(s)[:most]) + "…"
}

// printable writes every character that is not printable (control, C1,
// bidi and other format characters, invalid UTF-8) as a Go escape, so the
// text can be shown in a terminal or a log as it is.
func printable(s string) string {
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// CheckPromQL parses a query typed at the PromQL prompt with Prometheus's
// own parser before it is sent: one it refuses is not sent, and the error
// is Prometheus's own, saying so first so that a narrow screen shows it
// ("1:5: parse error: not sent: …"; the prompt moves the cursor to 1:5). Errors that depend on the server are left to it: a
// function this parser does not know (a newer Prometheus may), and the
// experimental features a server enables with --enable-feature.
func CheckPromQL(expr string) error {
	_, err := promqlParser.ParseExpr(expr)
	if err == nil {
		return nil
	}
	var pes parser.ParseErrors
	if !errors.As(err, &pes) || len(pes) == 0 {
		return fmt.Errorf("parse error: not sent: %s", printable(err.Error()))
	}
	for _, pe := range pes {
		if serverDependent(pe.Err.Error()) {
			return nil
		}
	}
	pe := pes[0]
	return fmt.Errorf("%s: parse error: not sent: %s", pe.PositionRange.StartPosInput(pe.Query, 0), printable(pe.Err.Error()))
}

// serverDependent reports whether a parse error may not be one for the
// Prometheus the query goes to.
func serverDependent(msg string) bool {
	return strings.HasPrefix(msg, "unknown function with name ") ||
		strings.Contains(msg, "is not enabled") || strings.Contains(msg, "experimental")
}
