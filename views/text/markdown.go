package text

import (
	"fmt"
	"net/url"
	"strings"
)

// markdownEscaped are the characters markdown (CommonMark, GFM, Slack, Mattermost)
// reads as markup, links, HTML, entities or mentions; each is written with
// a backslash, which CommonMark renders as the character itself.
const markdownEscaped = "\\`*_{}[]()<>#!|~@&"

// Markdown makes a string safe as markdown text, in a table cell or not: no
// control characters, no emphasis, links, HTML, entities or @mentions.
func Markdown(s string) string {
	s = Sanitize(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(markdownEscaped, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MarkdownCode makes a string safe inside a `code span` in a table: a code span
// shows backslashes as they are, so only what could end it (a backtick) or
// the table cell (a pipe, which GFM splits on even there) is changed.
func MarkdownCode(s string) string {
	s = Sanitize(s)
	s = strings.ReplaceAll(s, "`", "'")
	return strings.ReplaceAll(s, "|", `\|`)
}

// MarkdownLink returns the target of a markdown link for an http or https URL
// with a host, with what could end the link percent-encoded; ok is false for
// anything else (javascript:, data:, file:, relative), which is never linked.
func MarkdownLink(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if Sanitize(raw) != raw {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "", false
	}
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r == '(' || r == ')' || r == '<' || r == '>' || r == ' ' || r == '`' || r == '\\' || r == '"' || r == '[' || r == ']':
			fmt.Fprintf(&b, "%%%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}
