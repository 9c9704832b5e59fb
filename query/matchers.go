package query

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// Matcher and Matchers are Alertmanager's own (pkg/labels): a silence's
// matchers as its parser reads them and its API takes them. The screens
// name them through this package.
type (
	Matcher  = labels.Matcher
	Matchers = labels.Matchers
)

// MatcherError is a matcher (or filter) that does not parse. Pos is the
// 1-based column of the bad part in the input.
type MatcherError struct {
	Pos  int
	Part string
	Err  error
}

func (e *MatcherError) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("column %d: %v", e.Pos, e.Err)
	}
	return fmt.Sprintf("column %d, %s: %v", e.Pos, e.Part, e.Err)
}

func (e *MatcherError) Unwrap() error { return e.Err }

// ParseMatchers reads silence matchers the way amtool does: name="v",
// name!="v", name=~"re", name!~"re", separated by spaces or commas or in
// braces; a bare first word means alertname="word". Alertmanager's own
// parser (matcher/compat) reads every matcher. An empty input gives no
// matchers and no error (SilenceSpec.Validate reports it).
func ParseMatchers(s string) (labels.Matchers, error) {
	toks, err := tokenizeMatchers(s)
	if err != nil {
		return nil, err
	}
	ms := labels.Matchers{}
	for i, t := range toks {
		if t.kind == tokWord {
			if i != 0 {
				return nil, &MatcherError{Pos: t.pos + 1, Part: t.text, Err: errors.New(`not a matcher: write name="value" (only the first word may be a bare alert name)`)}
			}
			m, err := labels.NewMatcher(labels.MatchEqual, "alertname", t.text)
			if err != nil {
				return nil, &MatcherError{Pos: t.pos + 1, Part: t.text, Err: err}
			}
			ms = append(ms, m)
			continue
		}
		got, err := parseMatcherToken(t)
		if err != nil {
			return nil, err
		}
		ms = append(ms, got...)
	}
	return ms, nil
}

// MatchersFromLabels gives one equality matcher per label, sorted by name:
// the silence Alertmanager's UI pre-fills from an alert.
func MatchersFromLabels(ls map[string]string) labels.Matchers {
	names := make([]string, 0, len(ls))
	for n := range ls {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	ms := make(labels.Matchers, 0, len(names))
	for _, n := range names {
		m, err := labels.NewMatcher(labels.MatchEqual, n, ls[n])
		if err == nil {
			ms = append(ms, m)
		}
	}
	return ms
}

// FormatMatchers writes matchers as {name="v", name=~"re"}, which
// ParseMatchers, amtool and Alertmanager's filters all read back.
func FormatMatchers(ms labels.Matchers) string {
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, m := range ms {
		if m == nil || !validMatchType(m.Type) {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.String())
		n++
	}
	b.WriteByte('}')
	return b.String()
}

// MatchesAll reports whether every matcher matches the empty string, so
// that the set would select every alert. Alertmanager rejects such a
// silence; vigil refuses it first. No matchers at all also counts.
func MatchesAll(ms labels.Matchers) bool {
	ms, ok := UsableMatchers(ms)
	if !ok {
		return false
	}
	for _, m := range ms {
		if !m.Matches("") {
			return false
		}
	}
	return true
}

// AlertsMatching returns the alerts whose labels match every matcher: what
// a silence with these matchers would silence. Matchers that are not usable
// (a broken regular expression) match nothing.
func AlertsMatching(ms labels.Matchers, alerts []Alert) []Alert {
	ms, ok := UsableMatchers(ms)
	if !ok {
		return nil
	}
	var out []Alert
	for _, a := range alerts {
		if MatchLabelMap(ms, a.Labels) {
			out = append(out, a)
		}
	}
	return out
}

// MatchLabelMap reports whether the label set ls matches every matcher of
// ms (a label ls lacks is the empty string, as in Alertmanager).
func MatchLabelMap(ms labels.Matchers, ls map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

func validMatchType(t labels.MatchType) bool {
	return t >= labels.MatchEqual && t <= labels.MatchNotRegexp
}

// UsableMatchers returns matchers that can be evaluated without failing.
// A matcher built by hand without labels.NewMatcher has no compiled regular
// expression; it is rebuilt. ok is false when one cannot be made usable
// (nil, unknown type, bad regular expression).
func UsableMatchers(ms labels.Matchers) (labels.Matchers, bool) {
	var fixed labels.Matchers
	for i, m := range ms {
		if m != nil && validMatchType(m.Type) && matcherEvaluates(m) {
			if fixed != nil {
				fixed = append(fixed, m)
			}
			continue
		}
		if m == nil || !validMatchType(m.Type) {
			return nil, false
		}
		nm, err := labels.NewMatcher(m.Type, m.Name, m.Value)
		if err != nil {
			return nil, false
		}
		if fixed == nil {
			fixed = append(make(labels.Matchers, 0, len(ms)), ms[:i]...)
		}
		fixed = append(fixed, nm)
	}
	if fixed != nil {
		return fixed, true
	}
	return ms, true
}

// matcherEvaluates reports whether m.Matches runs without failing.
func matcherEvaluates(m *labels.Matcher) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	m.Matches("")
	return true
}

// SameMatchers reports whether two matcher lists hold the same matchers,
// in any order.
func SameMatchers(a, b labels.Matchers) bool {
	if len(a) != len(b) {
		return false
	}
	ka, kb := matcherKeys(a), matcherKeys(b)
	return slices.Equal(ka, kb)
}

func matcherKeys(ms labels.Matchers) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if m == nil {
			out = append(out, "")
			continue
		}
		out = append(out, fmt.Sprintf("%d\x00%s\x00%s", m.Type, m.Name, m.Value))
	}
	sort.Strings(out)
	return out
}

// The tokenizer shared by ParseMatchers and ParseAlertFilter.

type matcherTokKind int

const (
	tokWord    matcherTokKind = iota // plain word or "quoted phrase"
	tokMatcher                       // name op value
	tokBraces                        // {...}
)

type matcherTok struct {
	kind matcherTokKind
	text string // the word (unquoted) or the raw matcher text
	pos  int    // byte offset in the input
}

var (
	matcherStartRe = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(=~|=|!=|!~)`)
	nameThenOpRe   = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(=~|=|!=|!~)$`)
	labelNameRe    = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	opStartRe      = regexp.MustCompile(`^(=~|=|!=|!~)`)
)

func isSep(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ','
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// tokenizeMatchers splits the input on blanks and commas outside quotes and
// braces. Blanks around a matcher's operator are kept inside the matcher.
func tokenizeMatchers(s string) ([]matcherTok, error) {
	var toks []matcherTok
	i := 0
	for i < len(s) {
		if isSep(s[i]) {
			i++
			continue
		}
		start := i
		switch s[i] {
		case '{':
			end, err := scanBraces(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, matcherTok{kind: tokBraces, text: s[start:end], pos: start})
			i = end
		case '"':
			end, val, err := scanQuoted(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, matcherTok{kind: tokWord, text: val, pos: start})
			i = end
		default:
			end, err := scanWord(s, i)
			if err != nil {
				return nil, err
			}
			text := s[start:end]
			kind := tokWord
			if matcherStartRe.MatchString(text) {
				kind = tokMatcher
			}
			toks = append(toks, matcherTok{kind: kind, text: text, pos: start})
			i = end
		}
	}
	return toks, nil
}

// quoted follows a scan through double-quoted strings with backslash
// escapes.
type quoted struct{ in, escaped bool }

// inside takes the next byte c, and says whether c is part of a quoted
// string (its closing quote included). An opening quote is the scanner's to
// see: it sets in.
func (q *quoted) inside(c byte) bool {
	if !q.in {
		return false
	}
	switch {
	case q.escaped:
		q.escaped = false
	case c == '\\':
		q.escaped = true
	case c == '"':
		q.in = false
	}
	return true
}

func scanBraces(s string, i int) (int, error) {
	var q quoted
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if q.inside(c) {
			continue
		}
		switch c {
		case '"':
			q.in = true
		case '}':
			return j + 1, nil
		}
	}
	return 0, &MatcherError{Pos: i + 1, Part: s[i:], Err: errors.New("unclosed {")}
}

func scanQuoted(s string, i int) (int, string, error) {
	var b strings.Builder
	escaped := false
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case escaped:
			escaped = false
			b.WriteByte(c)
		case c == '\\':
			escaped = true
		case c == '"':
			return j + 1, b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return 0, "", &MatcherError{Pos: i + 1, Part: s[i:], Err: errors.New("unclosed quote")}
}

func scanWord(s string, i int) (int, error) {
	var q quoted
	quoteAt := -1
	j := i
	for j < len(s) {
		c := s[j]
		if q.inside(c) {
			j++
			continue
		}
		if c == '"' {
			q.in, quoteAt = true, j
			j++
			continue
		}
		if c == ',' {
			break
		}
		if isBlank(c) {
			k := j
			for k < len(s) && isBlank(s[k]) {
				k++
			}
			soFar := s[i:j]
			if k < len(s) && (nameThenOpRe.MatchString(soFar) || (labelNameRe.MatchString(soFar) && opStartRe.MatchString(s[k:]))) {
				j = k
				continue
			}
			break
		}
		j++
	}
	if q.in {
		return 0, &MatcherError{Pos: quoteAt + 1, Part: s[i:], Err: errors.New("unclosed quote")}
	}
	return j, nil
}

// regexpProblem rewords a regular expression error from Alertmanager's
// parser, which quotes the anchored form it compiled, as what is wrong.
func regexpProblem(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Errorf("invalid regular expression: %s", se.Code)
	}
	return err
}

// parseMatcherToken parses a matcher or a {...} group with Alertmanager's
// parser.
func parseMatcherToken(t matcherTok) (labels.Matchers, error) {
	switch t.kind {
	case tokMatcher:
		m, err := compat.Matcher(t.text, "vigil")
		if err != nil {
			return nil, &MatcherError{Pos: t.pos + 1, Part: t.text, Err: regexpProblem(err)}
		}
		return labels.Matchers{m}, nil
	case tokBraces:
		ms, err := compat.Matchers(t.text, "vigil")
		if err != nil {
			return nil, &MatcherError{Pos: t.pos + 1, Part: t.text, Err: regexpProblem(err)}
		}
		return ms, nil
	}
	return nil, &MatcherError{Pos: t.pos + 1, Part: t.text, Err: errors.New("not a matcher")}
}
