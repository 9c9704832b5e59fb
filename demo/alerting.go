package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// The alert rule files vigil ships. reference.yml holds the two rules of the
// reference setup exactly as it writes them, defects included; corrected.yml
// holds rules that compute what their names say (see the comments in each
// file). Both are valid Prometheus rule files.
var (
	//go:embed rules/reference.yml
	referenceRules []byte
	//go:embed rules/corrected.yml
	correctedRules []byte
)

// File names of the rule files, as keys of DemoRules.
const (
	ReferenceRulesFile = "reference.yml"
	CorrectedRulesFile = "corrected.yml"
)

// RulesetLabel is the label DemoRules adds to every alerting rule, so that the
// reference and the corrected HighErrorRate (and SlowAPIResponses), loaded
// side by side in the demo, can be told apart. Its values are
// RulesetReference and RulesetCorrected.
const (
	RulesetLabel     = "ruleset"
	RulesetReference = "reference"
	RulesetCorrected = "corrected"
)

// Alert names of the shipped rules. Alerts about one endpoint (all but
// HighErrorRate of the corrected rules) carry the labels job and path; the
// reference rules carry whatever labels their series have.
const (
	AlertHighErrorRate         = "HighErrorRate"         // reference and corrected, severity critical
	AlertHighEndpointErrorRate = "HighEndpointErrorRate" // corrected only, severity warning
	AlertSlowAPIResponses      = "SlowAPIResponses"      // reference and corrected, severity warning
)

// How DemoRules speeds the rules up; see DemoRules.
const (
	// DemoForDivisor divides every `for:` duration: 2m becomes 6s, 5m 15s.
	DemoForDivisor = 20
	// DemoWindowDivisor divides every range selector of an expression:
	// [5m] becomes [1m].
	DemoWindowDivisor = 5
	// DemoMinWindow is the shortest range selector DemoRules writes: rate()
	// needs several scrapes in its window.
	DemoMinWindow = 10 * time.Second
	// DemoEvaluationInterval is the evaluation interval DemoRules gives every
	// rule group.
	DemoEvaluationInterval = time.Second
)

// ReferenceRules returns the reference setup's rule file as shipped.
func ReferenceRules() []byte { return bytes.Clone(referenceRules) }

// CorrectedRules returns the corrected rule file as shipped.
func CorrectedRules() []byte { return bytes.Clone(correctedRules) }

// DemoRules returns the rule files loaded by `vigil demo` and the tests, by
// file name (ReferenceRulesFile, CorrectedRulesFile). They are the shipped
// files with time compressed, so that the demo app's scripted incidents
// (errors on /api/checkout from 10s, a slow /api/search from 20s, with a 1s
// scrape interval) fire alerts within a minute of start:
//
//   - every group is evaluated every DemoEvaluationInterval;
//   - every `for:` is divided by DemoForDivisor, rounded to whole seconds,
//     at least 1s;
//   - every plain range selector such as [5m] in an `expr` is divided by
//     DemoWindowDivisor, rounded to whole seconds, at least DemoMinWindow
//     (subqueries are left alone);
//   - every alerting rule gets the label RulesetLabel, RulesetReference or
//     RulesetCorrected after its file.
//
// Everything else, annotations included, is kept as shipped. The shipped
// files themselves are not changed.
func DemoRules() map[string][]byte {
	out := map[string][]byte{}
	for _, f := range []struct {
		name, ruleset string
		src           []byte
	}{
		{ReferenceRulesFile, RulesetReference, referenceRules},
		{CorrectedRulesFile, RulesetCorrected, correctedRules},
	} {
		b, err := demoRuleFile(f.src, f.ruleset)
		if err != nil {
			// The sources are embedded and covered by tests.
			panic(fmt.Sprintf("demo rules %s: %v", f.name, err))
		}
		out[f.name] = b
	}
	return out
}

// rangeSelector matches a plain range selector such as [5m] or [1h30m], not
// a subquery such as [5m:1m].
var rangeSelector = regexp.MustCompile(`\[((?:[0-9]+(?:ms|[smhdwy]))+)\]`)

// demoRuleFile applies the DemoRules transformation to one rule file.
func demoRuleFile(src []byte, ruleset string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a rule file: the top level is not a mapping")
	}
	groups := mapValue(doc.Content[0], "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("no groups")
	}
	for _, g := range groups.Content {
		if g.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: a group is not a mapping", g.Line)
		}
		setMapValue(g, "interval", model.Duration(DemoEvaluationInterval).String(), "name")
		rules := mapValue(g, "rules")
		if rules == nil || rules.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("line %d: a group has no rules", g.Line)
		}
		for _, r := range rules.Content {
			if err := demoRule(r, ruleset); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// demoRule compresses the time of one rule and labels it with its ruleset.
func demoRule(r *yaml.Node, ruleset string) error {
	if r.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a rule is not a mapping", r.Line)
	}
	if f := mapValue(r, "for"); f != nil {
		d, err := model.ParseDuration(f.Value)
		if err != nil {
			return fmt.Errorf("line %d: for: %w", f.Line, err)
		}
		f.Value = scaleDuration(time.Duration(d), DemoForDivisor, time.Second).String()
		f.Style = 0
	}
	if e := mapValue(r, "expr"); e != nil {
		var bad error
		e.Value = rangeSelector.ReplaceAllStringFunc(e.Value, func(m string) string {
			d, err := model.ParseDuration(m[1 : len(m)-1])
			if err != nil {
				bad = fmt.Errorf("line %d: range %s: %w", e.Line, m, err)
				return m
			}
			return "[" + scaleDuration(time.Duration(d), DemoWindowDivisor, DemoMinWindow).String() + "]"
		})
		if bad != nil {
			return bad
		}
	}
	if mapValue(r, "alert") != nil {
		labels := mapValue(r, "labels")
		if labels == nil {
			labels = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			r.Content = append(r.Content, scalar("labels"), labels)
		}
		if labels.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: labels is not a mapping", labels.Line)
		}
		setMapValue(labels, RulesetLabel, ruleset, "")
	}
	return nil
}

// scaleDuration divides d by div, rounds to whole seconds and keeps the
// result at least min (when d is above 0; 0 stays 0).
func scaleDuration(d time.Duration, div int, min time.Duration) model.Duration {
	if d <= 0 {
		return 0
	}
	s := (d / time.Duration(div)).Round(time.Second)
	if s < min {
		s = min
	}
	return model.Duration(s)
}

// mapValue returns the value of key in a YAML mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setMapValue sets key to a string value in a YAML mapping. A new key goes
// right after the key named after, or at the end.
func setMapValue(m *yaml.Node, key, value, after string) {
	if v := mapValue(m, key); v != nil {
		*v = *scalar(value)
		return
	}
	at := len(m.Content)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if after != "" && m.Content[i].Value == after {
			at = i + 2
			break
		}
	}
	kv := []*yaml.Node{scalar(key), scalar(value)}
	m.Content = append(m.Content[:at], append(kv, m.Content[at:]...)...)
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// Receivers of AlertmanagerConfig, and the paths under the sink URL their
// webhooks post to.
const (
	PagerReceiver = "pager"
	ChatReceiver  = "chat"
	AuditReceiver = "audit"
	PagerPath     = "/pager"
	ChatPath      = "/chat"
	AuditPath     = "/audit"
)

// Notification timing of AlertmanagerConfig: short, for the demo.
const (
	DemoGroupWait      = time.Second
	DemoGroupInterval  = 5 * time.Second
	DemoRepeatInterval = time.Minute
)

// AlertmanagerConfig returns an Alertmanager configuration routed as in the
// reference setup, with webhooks in place of PagerDuty and Slack:
//
//   - severity="critical" goes to the receiver "pager", a webhook to
//     sinkURL+"/pager", and, as that route has continue: true, also to
//     "audit" (sinkURL+"/audit"), the incident log that records every page;
//   - severity="warning" and anything else goes to "chat", a webhook to
//     sinkURL+"/chat";
//   - notifications are grouped by alertname, job and ruleset, with
//     DemoGroupWait, DemoGroupInterval and DemoRepeatInterval, and resolved
//     alerts are notified too;
//   - a critical alert inhibits the warning alerts of the same alertname
//     and job, so that a tier that pages is not repeated in chat.
//
// The result is valid for Alertmanager 0.25 (amtool check-config).
func AlertmanagerConfig(sinkURL string) []byte {
	base := strings.TrimRight(sinkURL, "/")
	webhook := func(name, path string) amReceiver {
		return amReceiver{Name: name, WebhookConfigs: []amWebhook{{URL: base + path, SendResolved: true}}}
	}
	cfg := amConfig{
		Route: amRoute{
			Receiver:       ChatReceiver,
			GroupBy:        []string{"alertname", "job", RulesetLabel},
			GroupWait:      model.Duration(DemoGroupWait).String(),
			GroupInterval:  model.Duration(DemoGroupInterval).String(),
			RepeatInterval: model.Duration(DemoRepeatInterval).String(),
			Routes: []amRoute{
				{Receiver: PagerReceiver, Matchers: []string{`severity="critical"`}, Continue: true},
				{Receiver: AuditReceiver, Matchers: []string{`severity="critical"`}},
				{Receiver: ChatReceiver, Matchers: []string{`severity="warning"`}},
			},
		},
		Receivers: []amReceiver{
			webhook(PagerReceiver, PagerPath),
			webhook(ChatReceiver, ChatPath),
			webhook(AuditReceiver, AuditPath),
		},
		InhibitRules: []amInhibitRule{{
			SourceMatchers: []string{`severity="critical"`},
			TargetMatchers: []string{`severity="warning"`},
			Equal:          []string{"alertname", "job"},
		}},
	}
	var buf bytes.Buffer
	buf.WriteString("# Alertmanager configuration of the vigil demo stack.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		// Plain structs of strings always encode.
		panic(fmt.Sprintf("alertmanager config: %v", err))
	}
	_ = enc.Close()
	return buf.Bytes()
}

type amConfig struct {
	Route        amRoute         `yaml:"route"`
	Receivers    []amReceiver    `yaml:"receivers"`
	InhibitRules []amInhibitRule `yaml:"inhibit_rules,omitempty"`
}

type amRoute struct {
	Receiver       string    `yaml:"receiver"`
	GroupBy        []string  `yaml:"group_by,omitempty"`
	Matchers       []string  `yaml:"matchers,omitempty"`
	GroupWait      string    `yaml:"group_wait,omitempty"`
	GroupInterval  string    `yaml:"group_interval,omitempty"`
	RepeatInterval string    `yaml:"repeat_interval,omitempty"`
	Continue       bool      `yaml:"continue,omitempty"`
	Routes         []amRoute `yaml:"routes,omitempty"`
}

type amReceiver struct {
	Name           string      `yaml:"name"`
	WebhookConfigs []amWebhook `yaml:"webhook_configs,omitempty"`
}

type amWebhook struct {
	URL          string `yaml:"url"`
	SendResolved bool   `yaml:"send_resolved"`
}

type amInhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers"`
	TargetMatchers []string `yaml:"target_matchers"`
	Equal          []string `yaml:"equal"`
}
