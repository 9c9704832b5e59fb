package vigil

import (
	"fmt"
	"strings"

	"github.com/vigilterm/vigil/query/rulecheck"
)

// MaxRuleIgnores bounds the [[rules.ignore]] entries.
const MaxRuleIgnores = 1000

// RulesConfig is the [rules] table: what the rules check (vigil rules lint,
// vigil doctor --rules, the alert detail) is told to let pass.
type RulesConfig struct {
	// Ignore acknowledges a check's findings on one rule, with a reason.
	Ignore []RuleIgnore `toml:"ignore"`
}

// RuleIgnore is one [[rules.ignore]] entry.
type RuleIgnore struct {
	// Rule is the alert's or recording rule's name, exactly.
	Rule string `toml:"rule"`
	// Check is a check's name (docs/rules.md), or "*" for all of them.
	Check string `toml:"check"`
	// Reason says why the finding is acknowledged; it is shown beside it.
	Reason string `toml:"reason"`
}

// RuleIgnores are the entries as the checks take them.
func (c *Config) RuleIgnores() []rulecheck.Ignore {
	out := make([]rulecheck.Ignore, 0, len(c.Rules.Ignore))
	for _, ig := range c.Rules.Ignore {
		out = append(out, rulecheck.Ignore{Rule: ig.Rule, Check: ig.Check, Reason: ig.Reason})
	}
	return out
}

func (c *Config) validateRules() error {
	if n := len(c.Rules.Ignore); n > MaxRuleIgnores {
		return c.fail("rules.ignore", "%d entries, at most %d", n, MaxRuleIgnores)
	}
	for i, ig := range c.Rules.Ignore {
		key := fmt.Sprintf("rules.ignore[%d]", i)
		switch {
		case strings.TrimSpace(ig.Rule) == "":
			return c.fail(key+".rule", "empty: name the alerting or recording rule")
		case !rulecheck.IsCheck(ig.Check):
			return c.fail(key+".check", "%q is no check; write one of %s, or \"*\"", ig.Check, checkNames())
		case strings.TrimSpace(ig.Reason) == "":
			return c.fail(key+".reason", "empty: say why the finding of %s on %s is acknowledged", ig.Check, ig.Rule)
		case len(ig.Reason) > 500:
			return c.fail(key+".reason", "%d bytes, at most 500", len(ig.Reason))
		}
	}
	return nil
}

func checkNames() string {
	names := make([]string, len(rulecheck.Checks))
	for i, c := range rulecheck.Checks {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
