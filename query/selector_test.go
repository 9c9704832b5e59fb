package query

import (
	"strings"
	"testing"
)

func TestCheckSelector(t *testing.T) {
	good := []string{
		``, `  `, `job="flask"`, `job="flask",`, ` job = "flask" , env!="dev"`, `path=~"/api/.*"`,
		`path!~'/blog/.*'`, "code=`5..`", `a_b1="x\"y"`, `instance=~"10\\.0\\..*"`, `__name__=~".+"`,
	}
	for _, s := range good {
		if err := CheckSelector(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	bad := []struct{ in, want string }{
		{`job="flask`, "column 5"},
		{`job=flask`, "column 5"},
		{`job`, "column 4"},
		{`job=="flask"`, "column 5"},
		{`1job="x"`, "column 1"},
		{`job="a" env="b"`, "column 9"},
		{`job="a",,env="b"`, "column 9"},
		{`path=~"(unclosed"`, "column 7"},
		{`job="\q"`, "column 5"},
		{`job="a"}`, "column 8"},
		{`job="a" or vector(1)`, "column 9"},
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
	}
}
