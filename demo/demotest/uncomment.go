package demotest

// What the tests of the configuration and of the screens share about the
// shipped config.toml.

import "strings"

// Uncomment returns doc with the commented lines from the first one that
// starts with "# "+from to the end of that comment block (the next line that
// is not a comment) uncommented ("# x" becomes "x", a lone "#" an empty
// line), and whether such a line was found.
func Uncomment(doc []byte, from string) ([]byte, bool) {
	var out []string
	in, found := false, false
	for _, l := range strings.Split(string(doc), "\n") {
		if !found && strings.HasPrefix(l, "# "+from) {
			in, found = true, true
		}
		if in && !strings.HasPrefix(l, "#") {
			in = false
		}
		if in && strings.HasPrefix(l, "# ") {
			l = strings.TrimPrefix(l, "# ")
		} else if in && l == "#" {
			l = ""
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n")), found
}
