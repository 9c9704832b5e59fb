package demotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"
)

// PostJSON posts body, as JSON, to url and fails the test unless the answer
// is 200 OK.
func PostJSON(t testing.TB, url string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	post(t, url, "application/json", bytes.NewReader(b))
}

// PostForm posts form to url (a demo app's control path, e.g.
// app+"/-/restart") and fails the test unless the answer is 200 OK.
func PostForm(t testing.TB, url string, form neturl.Values) {
	t.Helper()
	post(t, url, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func post(t testing.TB, url, contentType string, body io.Reader) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Post(url, contentType, body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s %s", url, resp.Status, answer)
	}
}

// PostAlert sends one alert straight to an Alertmanager, as Prometheus
// would: active since a minute ago, for an hour.
func PostAlert(t testing.TB, am string, labels, annotations map[string]string) {
	t.Helper()
	PostJSON(t, am+"/api/v2/alerts", []map[string]any{{
		"labels":      labels,
		"annotations": annotations,
		"startsAt":    time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		"endsAt":      time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	}})
}

// PostSilence makes a one-hour silence of one alert name straight in an
// Alertmanager.
func PostSilence(t testing.TB, am, alertname, createdBy, comment string) {
	t.Helper()
	PostJSON(t, am+"/api/v2/silences", map[string]any{
		"matchers":  []map[string]any{{"name": "alertname", "value": alertname, "isRegex": false, "isEqual": true}},
		"startsAt":  time.Now().UTC().Format(time.RFC3339),
		"endsAt":    time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"createdBy": createdBy, "comment": comment,
	})
}
