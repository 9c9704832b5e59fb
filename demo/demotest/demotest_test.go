package demotest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/vigilterm/vigil/demo"
)

// fakeTB records how a helper ended the test instead of ending it.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func run(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func TestMissingBinariesSkipOrFail(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		for name, fn := range map[string]func(testing.TB){
			"Start":        func(tb testing.TB) { Start(tb, demoOptions()) },
			"RequireTools": func(tb testing.TB) { RequireTools(tb, "promtool", "amtool") },
		} {
			f := run(t, fn)
			if ci == "true" && (!f.failed || f.skipped) {
				t.Errorf("%s with CI=true: failed %v skipped %v", name, f.failed, f.skipped)
			}
			if ci == "" && (!f.skipped || f.failed || !strings.Contains(f.msg, "SKIPPED")) {
				t.Errorf("%s without CI: failed %v skipped %v %q", name, f.failed, f.skipped, f.msg)
			}
			if !strings.Contains(f.msg, "apt-get install prometheus prometheus-alertmanager") {
				t.Errorf("%s: no install hint in %q", name, f.msg)
			}
		}
	}
}

func demoOptions() demo.StackOptions { return demo.StackOptions{} }
