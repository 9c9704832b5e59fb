package alertmanager

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
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
	spec := query.SilenceSpec{Matchers: mustMatchers(t, `Quiet`), EndsAt: now.Add(time.Hour), Comment: "known", CreatedBy: "t"}
	if _, err := c.CreateSilence(testCtx(t, 10*time.Second), spec); err != nil {
		t.Fatal(err)
	}
	// Alertmanager marks the silenced alert on its next pass.
	demotest.Eventually(t, 30*time.Second, "a firing count of 1 (Quiet is silenced)", func() (bool, string) {
		n, err := c.FiringCount(testCtx(t, 5*time.Second))
		return err == nil && n == 1, fmt.Sprintf("count %d, %v", n, err)
	})
	am.Stop()
	if n, err := c.FiringCount(testCtx(t, 5*time.Second)); err == nil {
		t.Errorf("Alertmanager stopped: count %d and no error", n)
	}
}
