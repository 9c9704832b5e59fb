package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxSinkBody bounds the body of one webhook the sink reads.
const MaxSinkBody = 1 << 20

// maxNotifications bounds how many notifications the sink keeps; the oldest
// go first.
const maxNotifications = 10000

// NotifiedAlert is one alert of a webhook notification.
type NotifiedAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Notification is one webhook payload Alertmanager posted to the sink.
type Notification struct {
	// Path is the URL path it was posted to, e.g. /pager or /chat.
	Path string `json:"-"`
	// Time is when the sink received it.
	Time time.Time `json:"-"`

	// The fields of Alertmanager's webhook payload.
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"` // firing or resolved
	GroupKey          string            `json:"groupKey"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Alerts            []NotifiedAlert   `json:"alerts"`
}

// AlertNames returns the distinct alertname labels of the notification, sorted.
func (n Notification) AlertNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range n.Alerts {
		name := a.Labels["alertname"]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Sink is a loopback webhook receiver that records Alertmanager
// notifications. Any path is accepted; the default Alertmanager
// configuration of the stack posts critical alerts to /pager and the rest to
// /chat.
type Sink struct {
	ln  net.Listener
	srv *http.Server

	mu      sync.Mutex
	got     []Notification
	total   int           // notifications received since the start
	refused int           // webhooks answered 500 (FailPathPrefix)
	changed chan struct{} // closed and replaced on every new notification

	closeOnce sync.Once
	closeErr  error
}

// StartSink starts a sink on a free loopback port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo sink: listen on loopback: %w", err)
	}
	s := &Sink{ln: ln, changed: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the sink's base URL, e.g. http://127.0.0.1:41235; receivers post
// to URL()+"/pager" and the like.
func (s *Sink) URL() string { return "http://" + s.ln.Addr().String() }

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed: the sink takes Alertmanager webhooks by POST", http.StatusMethodNotAllowed)
		return
	}
	var n Notification
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxSinkBody))
	if err := dec.Decode(&n); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxSinkBody), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "invalid webhook payload: "+err.Error(), http.StatusBadRequest)
		return
	}
	n.Path = r.URL.Path
	n.Time = time.Now()
	if strings.HasPrefix(n.Path, FailPathPrefix) {
		// A receiver that is down: Alertmanager counts a failed delivery
		// (after its retries) and nothing is recorded as received.
		s.mu.Lock()
		s.refused++
		s.mu.Unlock()
		http.Error(w, "the demo sink refuses webhooks under "+FailPathPrefix, http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	if len(s.got) >= maxNotifications {
		// A fresh array: WaitFor may be reading the old one.
		s.got = append([]Notification(nil), s.got[len(s.got)-maxNotifications+1:]...)
	}
	s.got = append(s.got, n)
	s.total++
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// FailPathPrefix: the sink answers 500 to every webhook posted under it
// (e.g. /fail/ticket), as a broken receiver would.
const FailPathPrefix = "/fail/"

// Refused is how many webhooks the sink answered with 500.
func (s *Sink) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Received returns the notifications received so far, oldest first.
func (s *Sink) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.got...)
}

// Reset forgets the notifications received so far.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = nil
}

// WaitFor waits until a notification received so far, or later, satisfies
// match, and returns the first one that does. It gives up when ctx ends.
func (s *Sink) WaitFor(ctx context.Context, match func(Notification) bool) (Notification, error) {
	seen := 0 // of total
	for {
		s.mu.Lock()
		got, total := s.got, s.total
		changed := s.changed
		s.mu.Unlock()
		fresh := total - seen
		if fresh > len(got) {
			fresh = len(got)
		}
		for _, n := range got[len(got)-fresh:] {
			if match(n) {
				return n, nil
			}
		}
		seen = total
		select {
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("demo sink: no matching notification among %d received: %w", len(got), ctx.Err())
		case <-changed:
		}
	}
}

// Close stops the sink. It is safe to call more than once.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = errors.Join(err, s.srv.Close())
		}
	})
	return s.closeErr
}
