package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

type timelineJSON struct {
	Events []struct {
		Time    time.Time         `json:"time"`
		Kind    string            `json:"kind"`
		Summary string            `json:"summary"`
		Labels  map[string]string `json:"labels"`
		Source  string            `json:"source"`
	} `json:"events"`
	Errors []struct {
		Source string `json:"source"`
		Error  string `json:"error"`
	} `json:"errors"`
}

func (tl timelineJSON) kinds() map[string]int {
	out := map[string]int{}
	for _, e := range tl.Events {
		out[e.Kind]++
	}
	return out
}

// The timeline and note commands through the built binary, on the real
// stack: exit codes, a failing source named in errors with exit code 1
// while the other sources still print, hostile text neutralised.
func TestTimelineCommand(t *testing.T) {
	t.Parallel()
	bin := vigilBinary(t)
	stack := demotest.Start(t, demo.StackOptions{App: demo.AppOptions{Seed: 5}})
	closed := demotest.ClosedURL(t)
	dir := t.TempDir()
	env := append(os.Environ(), "XDG_CONFIG_HOME="+dir, "XDG_STATE_HOME="+filepath.Join(dir, "state"), "VIGIL_CONFIG=")
	vigil := func(args ...string) (int, string, string) {
		t.Helper()
		return execVigil(t, bin, env, args...)
	}

	// A restart Prometheus sees, and a note with hostile text.
	demotest.WaitScrapes(t, stack.PrometheusURL, stack.App.Addr(), 3)
	req, _ := http.NewRequest(http.MethodPost, stack.App.URL()+"/-/restart", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, out, errOut := vigil("note", "rolled back \x1b]52;c;aGk=\x07 @channel <b>[x](javascript:alert(1))"); code != 0 {
		t.Fatalf("note: exit %d\n%s%s", code, out, errOut)
	}
	notes := filepath.Join(dir, "state", "vigil", "notes.log")
	if fi, err := os.Stat(notes); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("notes file: %v %v, want mode 0600", fi, err)
	}
	// The new process scraped a few times.
	demotest.WaitMoreScrapes(t, stack.PrometheusURL, stack.App.Addr(), 4)

	prom := []string{"--prometheus", stack.PrometheusURL, "--selector", `job="flask"`, "--since", "5m"}
	t.Run("every source answers: exit 0", func(t *testing.T) {
		code, out, errOut := vigil(append([]string{"timeline", "--format", "json"}, prom...)...)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		var tl timelineJSON
		if err := json.Unmarshal([]byte(out), &tl); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if k := tl.kinds(); k["restart"] != 1 || k["note"] != 1 || len(tl.Errors) != 0 {
			t.Errorf("kinds %v errors %v", k, tl.Errors)
		}
		for _, e := range tl.Events {
			if e.Kind == "note" && (strings.ContainsAny(e.Summary, "\x1b\x07") || !strings.Contains(e.Summary, "@channel")) {
				t.Errorf("note in JSON: %q", e.Summary)
			}
		}
	})
	t.Run("Alertmanager unreachable: named in errors, exit 1, the rest prints", func(t *testing.T) {
		code, out, errOut := vigil(append([]string{"timeline", "--format", "json", "--alertmanager", closed}, prom...)...)
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
		}
		var tl timelineJSON
		if err := json.Unmarshal([]byte(out), &tl); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(tl.Errors) != 1 || tl.Errors[0].Source != "alertmanager/silences" || !strings.Contains(tl.Errors[0].Error, "connection refused") {
			t.Errorf("errors %+v", tl.Errors)
		}
		if k := tl.kinds(); k["restart"] != 1 || k["note"] != 1 {
			t.Errorf("the other sources did not print: %v", k)
		}
		if !strings.Contains(errOut, "alertmanager/silences") {
			t.Errorf("stderr does not name the source: %s", errOut)
		}
	})
	t.Run("Prometheus unreachable: its sources named, the notes print", func(t *testing.T) {
		code, out, errOut := vigil("timeline", "--prometheus", closed, "--since", "5m")
		if code != 1 || !strings.Contains(out, "rolled back") || !strings.Contains(out, "prometheus/alerts") || !strings.Contains(out, "connection refused") {
			t.Errorf("exit %d\n%s\n%s", code, out, errOut)
		}
		if strings.ContainsAny(out+errOut, "\x1b\x07") {
			t.Errorf("a raw escape reached the terminal: %q", out)
		}
	})
	t.Run("markdown is escaped", func(t *testing.T) {
		code, out, errOut := vigil(append([]string{"timeline", "--format", "markdown"}, prom...)...)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, bad := range []string{"\x1b", " @channel", "<b>", "[x](javascript"} {
			if strings.Contains(out, bad) {
				t.Errorf("markdown holds %q:\n%s", bad, out)
			}
		}
		if !strings.Contains(out, `\@channel`) || !strings.Contains(out, "| restart |") || !strings.Contains(out, "UTC") {
			t.Errorf("markdown:\n%s", out)
		}
	})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad format", []string{"timeline", "--format", "yaml"}, "yaml"},
		{"bad since", []string{"timeline", "--since", "yesterday"}, "flag --since"},
		{"until before since", []string{"timeline", "--since", "1h", "--until", "2h"}, "flag --until"},
		{"empty note", []string{"note", "  "}, "no text"},
	} {
		t.Run(c.name+": exit 2", func(t *testing.T) {
			code, out, errOut := vigil(c.args...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want 2 naming %q\n%s%s", code, c.want, out, errOut)
			}
		})
	}
}

// execVigil runs the built binary with args and env, bounded in time, and
// returns its exit code, stdout and stderr.
func execVigil(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}
