package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// readyClient polls /-/ready with a short timeout: a port held by something
// that accepts connections but does not answer must not stall the poll.
var readyClient = &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// readyGrace is how long a process must stay up after its first ready answer.
const readyGrace = 250 * time.Millisecond

func (s *Stack) waitReady(ctx context.Context, p *proc) error {
	ctx, cancel := deadline(ctx)
	defer cancel()
	readyURL := p.url() + "/-/ready"
	if p.readyPath != "" {
		readyURL = p.url() + p.readyPath
	}
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, readyURL, nil)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", p.name, err)
		}
		resp, err := s.readyClient().Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				// Whoever else holds the port may answer too: the
				// process must still be running a moment later.
				select {
				case <-p.done:
				case <-time.After(readyGrace):
					return nil
				}
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("demo: %s (%s) exited before it was ready at %s: %v", p.name, p.bin, p.url(), p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("demo: %s (%s) not ready at %s: %v (last: %s)", p.name, p.bin, readyURL, ctx.Err(), last)
		case <-time.After(pollEvery):
		}
	}
}

// apiGet fetches a JSON document from one of the processes into v.
func (s *Stack) apiGet(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, v)
}

// waitPrometheus waits until Prometheus has scraped the app after since
// and, with Alertmanagers, has discovered all of them.
func (s *Stack) waitPrometheus(ctx context.Context, since time.Time) error {
	// Discovery takes up to 5s, the first scrape comes up to one interval
	// later, and a big scrape takes time itself.
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout+2*s.opts.ScrapeInterval)
	defer cancel()
	q := url.Values{"query": {`timestamp(up{job="flask"} == 1)`}}
	if s.opts.Engine == EngineVictoriaMetrics {
		// Its newest 30s are hidden by default.
		// Its timestamp() takes a selector only, not up == 1.
		q.Set("query", `up{job="flask"} == 1`)
		q.Set("latency_offset", "1ms") // 0 is refused
		q.Set("nocache", "1")
	}
	queryURL := s.promURL() + "/api/v1/query?" + q.Encode()
	// VictoriaMetrics sends no alerts: nothing to discover.
	scraped, discovered := false, len(s.ams) == 0 || s.opts.Engine == EngineVictoriaMetrics
	last := ""
	for {
		if !scraped {
			var r struct {
				Data struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			if err := s.apiGet(ctx, queryURL, &r); err != nil {
				last = err.Error()
			} else {
				for _, v := range r.Data.Result {
					str, _ := v.Value[1].(string)
					ts, err := strconv.ParseFloat(str, 64)
					// Under VictoriaMetrics the value is up's: any
					// sample is a scrape of this run.
					if err == nil && (ts >= float64(since.UnixMilli())/1000-1 || s.opts.Engine == EngineVictoriaMetrics) {
						scraped = true
					}
				}
				if !scraped {
					last = `no fresh sample of up{job="flask"} == 1 yet`
				}
			}
		}
		if scraped && !discovered {
			var r struct {
				Data struct {
					Active []struct {
						URL string `json:"url"`
					} `json:"activeAlertmanagers"`
				} `json:"data"`
			}
			if err := s.apiGet(ctx, s.promURL()+"/api/v1/alertmanagers", &r); err != nil {
				last = err.Error()
			} else if len(r.Data.Active) >= s.runningAlertmanagers() {
				discovered = true
			} else {
				last = fmt.Sprintf("prometheus knows %d of %d alertmanagers", len(r.Data.Active), len(s.ams))
			}
		}
		if scraped && discovered {
			s.logf("prometheus has scraped the app")
			return nil
		}
		select {
		case <-s.prom.done:
			return fmt.Errorf("demo: prometheus (%s) exited at %s: %v; last lines of %s:\n%s",
				s.prom.bin, s.promURL(), s.prom.waitErr, s.prom.logPath, logTail(s.prom.logPath, 0, logTailLines))
		case <-ctx.Done():
			return fmt.Errorf("demo: prometheus (%s) at %s has not scraped the app at %s: %v (last: %s)%s; last lines of %s:\n%s",
				s.prom.bin, s.promURL(), s.App.URL(), ctx.Err(), last, s.targetState(), s.prom.logPath, logTail(s.prom.logPath, 0, logTailLines))
		case <-time.After(pollEvery):
		}
	}
}

// targetState describes the flask target as Prometheus sees it, for an
// error message: a scrape that keeps failing says why.
func (s *Stack) targetState() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var r struct {
		Data struct {
			Active []struct {
				ScrapePool         string  `json:"scrapePool"`
				Health             string  `json:"health"`
				LastError          string  `json:"lastError"`
				LastScrapeDuration float64 `json:"lastScrapeDuration"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := s.apiGet(ctx, s.promURL()+"/api/v1/targets?state=active", &r); err != nil {
		return ""
	}
	for _, t := range r.Data.Active {
		if t.ScrapePool != "flask" {
			continue
		}
		msg := fmt.Sprintf("; the flask target is %s", t.Health)
		if t.LastError != "" {
			msg += fmt.Sprintf(" (last error %q after %.1fs", t.LastError, t.LastScrapeDuration)
			if strings.Contains(t.LastError, "deadline") {
				msg += fmt.Sprintf("; the scrape takes longer than the timeout, raise ScrapeInterval above %s", s.opts.ScrapeInterval)
			}
			msg += ")"
		}
		return msg
	}
	return "; prometheus has not discovered the flask target yet"
}

// readyClient is the client of the readiness polls: readyClient, or one
// over WebTransport when there is a WebConfig.
func (s *Stack) readyClient() *http.Client {
	if s.webPath == "" {
		return readyClient
	}
	return &http.Client{Timeout: time.Second, Transport: s.opts.WebTransport}
}
