package query

// WatchdogState is the dead man's switch: an alert that always fires (the
// usual rule is `vector(1)`) and so proves that rules are evaluated and
// alerts reach Alertmanager. When it is not there, the alerting pipeline
// is broken, whatever else the screens show.
type WatchdogState struct {
	// Name is the configured alertname; "" when no watchdog is configured.
	Name string
	// Known is false when Alertmanager could not be asked (Reason says why).
	Known  bool
	Firing bool
	Reason string
}

// CheckWatchdog looks for the alert named name among the alerts
// Alertmanager holds (silenced and inhibited ones count: the alert
// arrived). amErr is the failure of that call.
func CheckWatchdog(name string, amAlerts []Alert, amErr error) WatchdogState {
	st := WatchdogState{Name: name}
	if name == "" {
		return st
	}
	if amErr != nil {
		st.Reason = amErr.Error()
		return st
	}
	st.Known = true
	for _, a := range amAlerts {
		if a.Labels["alertname"] == name {
			st.Firing = true
			break
		}
	}
	return st
}
