package query

import (
	"testing"
	"time"
)

// FiringCount counts what Alertmanager notifies about: a silenced alert is
// not counted; with the Alertmanager gone the count is an error, not 0.
func TestAlertmanagerFiringCount(t *testing.T) {
	am := startAlertmanager(t)
	now := time.Now().UTC()
	postAlerts(t, am.URL, []testAlert{
		{Labels: map[string]string{"alertname": "Loud", "severity": "critical"}, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)},
		{Labels: map[string]string{"alertname": "Quiet", "severity": "warning"}, StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)},
	})
	c := newTestAM(t, 5*time.Second, am.URL)
	spec := SilenceSpec{Matchers: mustMatchers(t, `Quiet`), EndsAt: now.Add(time.Hour), Comment: "known", CreatedBy: "t"}
	if _, err := c.CreateSilence(testCtx(t, 10*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	var n int
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// Alertmanager marks the silenced alert on its next pass.
		if n, err = c.FiringCount(testCtx(t, 5*time.Second)); err == nil && n == 1 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || n != 1 {
		t.Fatalf("firing count %d, %v: want 1 (Quiet is silenced)", n, err)
	}
	am.Stop()
	if n, err := c.FiringCount(testCtx(t, 5*time.Second)); err == nil {
		t.Errorf("Alertmanager stopped: count %d and no error", n)
	}
}
