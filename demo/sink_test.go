package demo

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

const sinkPayload = `{
  "version": "4",
  "groupKey": "{}/{severity=\"critical\"}:{alertname=\"HighErrorRate\"}",
  "truncatedAlerts": 0,
  "status": "firing",
  "receiver": "pager",
  "groupLabels": {"alertname": "HighErrorRate"},
  "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
  "commonAnnotations": {"summary": "Error rate above 5% for 2 minutes"},
  "externalURL": "http://127.0.0.1:9093",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "severity": "critical", "method": "POST", "status": "500"},
     "annotations": {"runbook_url": "https://wiki.example/runbooks/high-error-rate"},
     "startsAt": "2026-01-02T03:04:05Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": "0123456789abcdef"},
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "severity": "critical", "method": "GET", "status": "500"},
     "annotations": {}, "startsAt": "2026-01-02T03:04:06Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "", "fingerprint": "fedcba9876543210"}
  ]
}`

// sinkSend posts from any goroutine.
func sinkSend(url, body string) {
	if resp, err := http.Post(url, "application/json", strings.NewReader(body)); err == nil {
		resp.Body.Close()
	}
}

func sinkPost(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSinkRecordsWebhooks(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	if code := sinkPost(t, s.URL()+"/pager", sinkPayload); code != 200 {
		t.Fatalf("POST /pager: %d", code)
	}
	got := s.Received()
	if len(got) != 1 {
		t.Fatalf("%d notifications", len(got))
	}
	n := got[0]
	if n.Path != "/pager" || n.Receiver != "pager" || n.Status != "firing" || len(n.Alerts) != 2 {
		t.Errorf("notification %+v", n)
	}
	if names := n.AlertNames(); len(names) != 1 || names[0] != "HighErrorRate" {
		t.Errorf("alert names %v", names)
	}
	a := n.Alerts[0]
	if a.Labels["method"] != "POST" || a.Annotations["runbook_url"] == "" || a.StartsAt.IsZero() || a.Fingerprint != "0123456789abcdef" {
		t.Errorf("alert %+v", a)
	}
	if time.Since(n.Time) > time.Minute || n.Time.IsZero() {
		t.Errorf("time %v", n.Time)
	}

	// Rejected: not a POST, not JSON, too big. None is recorded.
	resp, err := http.Get(s.URL() + "/chat")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %s", resp.Status)
	}
	if code := sinkPost(t, s.URL()+"/chat", "{not json"); code != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", code)
	}
	big := `{"receiver": "` + strings.Repeat("x", MaxSinkBody) + `"}`
	if code := sinkPost(t, s.URL()+"/chat", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", code)
	}
	if n := len(s.Received()); n != 1 {
		t.Errorf("%d notifications after rejected posts", n)
	}

	// WaitFor sees a later notification, and gives up at the deadline.
	go func() {
		time.Sleep(50 * time.Millisecond)
		sinkSend(s.URL()+"/chat", strings.Replace(sinkPayload, `"receiver": "pager"`, `"receiver": "chat"`, 1))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err = s.WaitFor(ctx, func(n Notification) bool { return n.Path == "/chat" })
	if err != nil || n.Receiver != "chat" {
		t.Errorf("WaitFor: %v %+v", err, n)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := s.WaitFor(short, func(n Notification) bool { return n.Path == "/nowhere" }); err == nil {
		t.Errorf("WaitFor found a notification that never came")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("WaitFor ignored its deadline")
	}

	s.Reset()
	if n := len(s.Received()); n != 0 {
		t.Errorf("%d notifications after Reset", n)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSinkKeepsABoundedNumber(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := `{"receiver":"chat","status":"firing","alerts":[]}`
	c := &http.Client{}
	for i := 0; i < maxNotifications+5; i++ {
		resp, err := c.Post(s.URL()+"/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := len(s.Received()); n != maxNotifications {
		t.Errorf("kept %d, want %d", n, maxNotifications)
	}
	// A notification after the trim is still found by WaitFor.
	go sinkSend(s.URL()+"/late", body)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.WaitFor(ctx, func(n Notification) bool { return n.Path == "/late" }); err != nil {
		t.Errorf("WaitFor after trimming: %v", err)
	}
}
