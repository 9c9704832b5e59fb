package text

import (
	"net/url"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// MaxURLLength is the longest URL Hyperlink will link; terminals drop or cut
// longer ones, so a longer URL is shown as plain text.
const MaxURLLength = 2048

// SafeURL returns raw as a URL fit to put inside an escape sequence: an
// absolute http or https URL with a host, at most MaxURLLength bytes. raw
// must not contain anything Sanitize would change (control characters of
// any kind, so no ESC, BEL or ST; bidi and other format characters; invalid
// UTF-8), and the URL returned is written only with printable ASCII, non-
// ASCII characters and spaces percent-encoded where net/url encodes them.
// Leading and trailing spaces are trimmed. ok is false for anything else.
func SafeURL(raw string) (safe string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxURLLength || firstUnsafe(raw, false) >= 0 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	s := u.String()
	if len(s) > MaxURLLength {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7f {
			return "", false
		}
	}
	return s, true
}

// Hyperlink returns text as an OSC 8 hyperlink to rawURL. The text is
// sanitised; an empty text shows the URL itself. When rawURL is not a safe
// http or https URL (see SafeURL) the sanitised text is returned alone, with
// no escape sequence. The hyperlink takes Width(text) cells: terminals
// without OSC 8 support ignore the sequence and print the text.
func Hyperlink(rawURL, text string) string {
	t := Sanitize(text)
	u, ok := SafeURL(rawURL)
	if !ok {
		return t
	}
	if t == "" {
		t = u
	}
	return ansi.SetHyperlink(u) + t + ansi.ResetHyperlink()
}

// OSC52 returns the OSC 52 sequence that puts s on the system clipboard of
// the terminal, base64-encoded, which works over SSH. s is sanitised first
// (single-line), so what is pasted later into a shell can carry neither a
// control character nor a line break. An s that sanitises to "" gives "":
// there is nothing to copy, and an empty OSC 52 would clear the clipboard.
func OSC52(s string) string {
	s = Sanitize(s)
	if s == "" {
		return ""
	}
	return ansi.SetSystemClipboard(s)
}

// OSC52Tmux is OSC52 for a program that may run inside tmux. Outside tmux
// it is OSC52(s). Inside (inTmux: $TMUX is set) it is the plain sequence,
// which tmux takes as a copy into its own buffer and passes on to the
// outer terminal when its set-clipboard option is on, followed by the same
// sequence wrapped for tmux's passthrough (DCS "tmux;" … ST, every ESC
// doubled), which reaches the outer terminal when allow-passthrough is on.
// Both carry the same sanitised text, so a terminal that gets both still
// ends with that text on its clipboard.
func OSC52Tmux(s string, inTmux bool) string {
	seq := OSC52(s)
	if seq == "" || !inTmux {
		return seq
	}
	return seq + "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
}
