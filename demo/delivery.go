package demo

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// TicketReceiver is the demo's broken receiver: critical alerts also go to
// a webhook that always answers 500, so Alertmanager's delivery failures
// show in the console.
const TicketReceiver = "ticket"

// WithFailingReceiver adds to an Alertmanager configuration a receiver
// posting to sinkURL+FailPathPrefix+"ticket" and a first route sending
// alerts that match matcher (e.g. severity="critical") to it, going on to
// the other routes (continue: true). It returns the configuration as is
// when it cannot be read as YAML.
func WithFailingReceiver(cfg []byte, sinkURL, matcher string) []byte {
	var doc map[string]any
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		return cfg
	}
	route, _ := doc["route"].(map[string]any)
	if route == nil {
		return cfg
	}
	routes, _ := route["routes"].([]any)
	ticket := map[string]any{"receiver": TicketReceiver, "continue": true}
	if matcher != "" {
		ticket["matchers"] = []any{matcher}
	}
	route["routes"] = append([]any{ticket}, routes...)
	receivers, _ := doc["receivers"].([]any)
	doc["receivers"] = append(receivers, map[string]any{
		"name": TicketReceiver,
		"webhook_configs": []any{map[string]any{
			"url": sinkURL + FailPathPrefix + TicketReceiver, "send_resolved": true,
		}},
	})
	out, err := yaml.Marshal(doc)
	if err != nil {
		return cfg
	}
	return append([]byte(fmt.Sprintf("# With a %q receiver that always fails.\n", TicketReceiver)), out...)
}

// WatchdogRulesFile holds the demo's dead man's switch.
const WatchdogRulesFile = "watchdog.yml"

// WatchdogRules is a rule file with the always-firing Watchdog alert.
func WatchdogRules() []byte {
	return []byte(`# The dead man's switch: always firing while the alerting pipeline works.
groups:
  - name: watchdog
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
        annotations:
          summary: "Always firing: proves that rules are evaluated and alerts reach Alertmanager"
`)
}

// BrokenReceiverConfig is an Alertmanager configuration (for
// StackOptions.AlertmanagerConfig) that routes every alert to one webhook
// receiver, "broken", which the sink answers with 500, and notifies again
// quickly: notifications fail.
func BrokenReceiverConfig(sinkURL string) []byte {
	return []byte(`route:
  receiver: broken
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: broken
    webhook_configs:
      - url: ` + sinkURL + FailPathPrefix + `broken
`)
}
