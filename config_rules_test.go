package vigil

import (
	"strings"
	"testing"

	"github.com/vigilterm/vigil/demo/demotest"
)

// The [[rules.ignore]] example of config.toml loads once uncommented, and
// a bad entry names its key.
func TestRulesIgnoreParsedAndChecked(t *testing.T) {
	doc, ok := demotest.Uncomment(DefaultTOML, "[[rules.ignore]]")
	if !ok {
		t.Fatal("no [[rules.ignore]] example in config.toml")
	}
	cfg, err := Parse(doc, "config.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ig := cfg.RuleIgnores()
	if len(ig) != 1 || ig[0].Rule != "SlowAPIResponses" || ig[0].Check != "annotations/runbook" || ig[0].Reason == "" {
		t.Fatalf("ignores = %+v", ig)
	}
	for _, tc := range []struct{ entry, key string }{
		{`rule = ""` + "\ncheck = \"*\"\nreason = \"x\"", "rules.ignore[0].rule"},
		{`rule = "A"` + "\ncheck = \"no/such\"\nreason = \"x\"", "rules.ignore[0].check"},
		{`rule = "A"` + "\ncheck = \"*\"\nreason = \" \"", "rules.ignore[0].reason"},
	} {
		cfg, err := Parse([]byte("[[rules.ignore]]\n"+tc.entry+"\n"), "c.toml")
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: error %v, want one naming %s", tc.entry, err, tc.key)
		}
	}
}
