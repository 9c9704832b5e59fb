package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

func checkRuleFileNames(files map[string][]byte) error {
	reserved := map[string]bool{
		"prometheus.yml": true, "prometheus.log": true, "prometheus-data": true, QueryLogFile: true,
		"alertmanager.yml": true,
	}
	for i := 0; i < MaxAlertmanagers; i++ {
		reserved[fmt.Sprintf("alertmanager-%d.log", i)] = true
		reserved[fmt.Sprintf("alertmanager-%d-data", i)] = true
	}
	for name := range files {
		if name == "" || name == "." || name == ".." || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
			return fmt.Errorf("demo: rule file name %q must be a plain file name such as alerts.yml", name)
		}
		if reserved[name] {
			return fmt.Errorf("demo: rule file name %q is taken by the stack's own files", name)
		}
	}
	return nil
}

func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = yamlString(it)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func promDuration(d time.Duration) string { return model.Duration(d).String() }

func (s *Stack) prometheusConfig() []byte {
	var b bytes.Buffer
	timeout := s.opts.ScrapeInterval
	if timeout > 10*time.Second {
		timeout = 10 * time.Second
	}
	fmt.Fprintf(&b, "# Written by vigil's demo launcher.\nglobal:\n")
	fmt.Fprintf(&b, "  scrape_interval: %s\n  scrape_timeout: %s\n",
		promDuration(s.opts.ScrapeInterval), promDuration(timeout))
	if s.opts.Engine == EngineVictoriaMetrics {
		// VictoriaMetrics scrapes with this file and evaluates nothing:
		// it refuses the keys it does not know.
		s.scrapeConfigs(&b)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "  evaluation_interval: %s\n", promDuration(s.opts.EvalInterval))
	b.WriteString(s.externalLabels()) // launcher_engines.go
	if s.opts.QueryLog {
		fmt.Fprintf(&b, "  query_log_file: %s\n", yamlString(s.path(QueryLogFile)))
	}
	names := make([]string, 0, len(s.opts.RuleFiles))
	for name := range s.opts.RuleFiles {
		names = append(names, s.path(name))
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "rule_files: %s\n", yamlList(names))
	if len(s.ams) > 0 {
		targets := make([]string, len(s.ams))
		for i, p := range s.ams {
			targets[i] = "127.0.0.1:" + strconv.Itoa(p.port)
		}
		fmt.Fprintf(&b, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: %s\n", yamlList(targets))
	}
	s.scrapeConfigs(&b)
	b.WriteString(s.remoteWrite()) // launcher_engines.go
	return b.Bytes()
}

func (s *Stack) scrapeConfigs(b *bytes.Buffer) {
	fmt.Fprintf(b, "scrape_configs:\n  - job_name: flask\n    static_configs:\n      - targets: %s\n", yamlList([]string{s.App.Addr()}))
	for _, job := range s.opts.ExtraJobs {
		fmt.Fprintf(b, "  - job_name: %s\n    static_configs:\n      - targets: %s\n", yamlString(job), yamlList([]string{s.Extra[job].Addr()}))
	}
	for _, job := range slices.Sorted(maps.Keys(s.opts.Scrape)) {
		fmt.Fprintf(b, "  - job_name: %s\n    static_configs:\n      - targets: %s\n", yamlString(job), yamlList(s.opts.Scrape[job]))
	}
}

func (s *Stack) prometheusArgs() []string {
	if s.opts.Engine == EngineVictoriaMetrics {
		return s.victoriaMetricsArgs()
	}
	return append(append([]string{
		"--config.file=" + s.prom.cfgPath,
		"--storage.tsdb.path=" + s.prom.dataDir,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(s.prom.port),
		"--web.enable-lifecycle",
		"--rules.alert.resend-delay=1s",
		"--log.level=info",
	}, s.engineArgs()...), s.webArgs()...)
}

func defaultAlertmanagerConfig(sinkURL string) []byte {
	return []byte(`# Written by vigil's demo launcher: critical alerts page, the rest go to chat.
route:
  receiver: chat
  group_by: [alertname]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
    - receiver: chat
      matchers: ['severity="warning"']
receivers:
  - name: pager
    webhook_configs:
      - url: ` + yamlString(sinkURL+"/pager") + `
        send_resolved: true
  - name: chat
    webhook_configs:
      - url: ` + yamlString(sinkURL+"/chat") + `
        send_resolved: true
`)
}

func (s *Stack) alertmanagerArgs(i int) []string {
	p := s.ams[i]
	args := []string{
		"--config.file=" + p.cfgPath,
		"--storage.path=" + p.dataDir,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(p.port),
		"--log.level=info",
	}
	args = append(args, s.webArgs()...)
	if len(s.ams) == 1 {
		return append(args, "--cluster.listen-address=")
	}
	// A peer holds its notifications until the gossip has settled, which it
	// checks every ten gossip intervals: 50ms (not 200ms) makes that about
	// 2s, which costs nothing on loopback.
	args = append(args,
		"--cluster.listen-address=127.0.0.1:"+strconv.Itoa(p.clusterPort),
		"--cluster.gossip-interval=50ms")
	for j, q := range s.ams {
		if j != i {
			args = append(args, "--cluster.peer=127.0.0.1:"+strconv.Itoa(q.clusterPort))
		}
	}
	return args
}

// ReloadPrometheus asks Prometheus to reload its configuration and rule
// files (POST /-/reload) and reports what it answered.
func (s *Stack) ReloadPrometheus(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reload(ctx)
}

func (s *Stack) reload(ctx context.Context) error {
	if s.closed || !s.prom.running() {
		return errors.New("demo: prometheus is not running")
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.promURL()+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("demo: reload prometheus: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo: reload prometheus: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// SetRuleFiles replaces the rule files (file name -> content) and reloads
// Prometheus. A rule file Prometheus rejects makes the reload fail with its
// message; the old rules then stay loaded.
func (s *Stack) SetRuleFiles(ctx context.Context, files map[string][]byte) error {
	if err := checkRuleFileNames(files); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("demo: the stack is closed")
	}
	for name := range s.opts.RuleFiles {
		if _, ok := files[name]; !ok {
			_ = os.Remove(s.path(name))
		}
	}
	s.opts.RuleFiles = maps.Clone(files)
	for name, content := range files {
		if err := s.writeFile(name, content); err != nil {
			return err
		}
	}
	if err := s.writeFile("prometheus.yml", s.prometheusConfig()); err != nil {
		return err
	}
	return s.reload(ctx)
}

// setupWeb writes the WebConfig and points the launcher's own requests at
// WebTransport. Without a WebConfig it does nothing.
func (s *Stack) setupWeb() error {
	if s.opts.WebConfig == nil {
		return nil
	}
	if s.opts.WebTransport == nil {
		return errors.New("demo: WebConfig needs WebTransport, the transport the launcher reaches the servers with")
	}
	var wc struct {
		TLS map[string]any `yaml:"tls_server_config"`
	}
	if err := yaml.Unmarshal(s.opts.WebConfig, &wc); err != nil {
		return fmt.Errorf("demo: WebConfig: %w", err)
	}
	if len(wc.TLS) > 0 {
		s.webScheme = "https"
	}
	if err := s.writeFile("web.yml", s.opts.WebConfig); err != nil {
		return err
	}
	s.webPath = s.path("web.yml")
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: s.opts.WebTransport}
	return nil
}

// webArgs is the --web.config.file flag, when there is a WebConfig.
func (s *Stack) webArgs() []string {
	if s.webPath == "" {
		return nil
	}
	return []string{"--web.config.file=" + s.webPath}
}
