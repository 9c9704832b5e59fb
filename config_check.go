package vigil

import (
	"fmt"
	"strings"

	"github.com/prometheus/common/model"
)

// checkWatchdog checks the watchdog's alertname: a plain name, and an
// Alertmanager to look for it in.
func checkWatchdog(name string, urls int) string {
	if name == "" {
		return ""
	}
	if strings.TrimSpace(name) != name {
		return fmt.Sprintf("%q has spaces around it: write the alertname alone, e.g. \"Watchdog\"", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Sprintf("%q holds a control character", name)
		}
	}
	if urls == 0 {
		return fmt.Sprintf("%q needs an Alertmanager to look for it in: set alertmanager.urls (or --alertmanager)", name)
	}
	return ""
}

// utf8NameNote says, for a name that only Prometheus 3's UTF-8 names allow
// (a dot, a dash), that vigil writes its queries with the classic names.
func utf8NameNote(name string) string {
	if name == "" || !model.UTF8Validation.IsValidMetricName(name) {
		return ""
	}
	return ": vigil writes its queries with the classic names ([a-zA-Z_:][a-zA-Z0-9_:]*), not Prometheus 3's quoted UTF-8 names; rename it with metric_relabel_configs"
}
