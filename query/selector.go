package query

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CheckSelector checks a label selector written without braces the way
// PromQL reads the inside of {...}: label matchers name OP "value", with
// OP one of = != =~ !~, separated by commas (a trailing comma is allowed),
// values quoted with ", ' or `, and regular expressions that compile (RE2,
// as Prometheus uses). An empty selector is valid. The error names the
// 1-based column of the problem, so a bad --selector is refused before any
// query is sent rather than as a parse error from every query.
func CheckSelector(s string) error {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	fail := func(at int, format string, args ...any) error {
		return fmt.Errorf("column %d: %s", at+1, fmt.Sprintf(format, args...))
	}
	skip()
	for i < len(s) {
		// The label name.
		start := i
		for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > start && s[i] >= '0' && s[i] <= '9') {
			i++
		}
		if i == start {
			return fail(i, "expected a label name, found %q", s[i:i+1])
		}
		name := s[start:i]
		skip()
		// The operator.
		var op string
		for _, o := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(s[i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			if i >= len(s) {
				return fail(i, "label %s has no operator: write e.g. %s=\"value\"", name, name)
			}
			return fail(i, "expected =, !=, =~ or !~ after %s, found %q", name, s[i:i+1])
		}
		i += len(op)
		skip()
		// The quoted value.
		at := i
		if i >= len(s) || !strings.ContainsRune(`"'`+"`", rune(s[i])) {
			return fail(at, "the value of %s must be quoted, e.g. %s%s\"value\"", name, name, op)
		}
		end, value, err := unquotePromString(s, i)
		if err != nil {
			return fail(at, "%v", err)
		}
		i = end
		if op == "=~" || op == "!~" {
			if _, err := regexp.Compile("^(?:" + value + ")$"); err != nil {
				return fail(at, "bad regular expression for %s: %v", name, err)
			}
		}
		skip()
		if i >= len(s) {
			break
		}
		if s[i] != ',' {
			return fail(i, "expected a comma between matchers, found %q", s[i:i+1])
		}
		i++
		skip()
	}
	return nil
}

// unquotePromString reads the string literal that starts at s[i] (", ' or
// `) and returns the index after it and its value.
func unquotePromString(s string, i int) (int, string, error) {
	q := s[i]
	j := i + 1
	for j < len(s) && s[j] != q {
		if s[j] == '\\' && q != '`' {
			j++
		}
		j++
	}
	if j >= len(s) {
		return 0, "", errors.New("unterminated quoted string")
	}
	lit := s[i : j+1]
	if q == '\'' {
		// As a double-quoted Go string: the same escapes, quotes swapped.
		inner := strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`)
		inner = strings.ReplaceAll(inner, `"`, `\"`)
		lit = `"` + inner + `"`
	}
	v, err := strconv.Unquote(lit)
	if err != nil {
		return 0, "", fmt.Errorf("invalid quoted string %s: %v", s[i:j+1], err)
	}
	return j + 1, v, nil
}
