package demo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// startAlertmanagers starts every peer at once, each on fresh ports, and
// starts again on other ports a peer whose port was taken.
func (s *Stack) startAlertmanagers(ctx context.Context) error {
	for _, p := range s.ams {
		s.track(p.logPath, p.dataDir)
		if err := s.pickAlertmanagerPorts(p); err != nil {
			return err
		}
	}
	errs := make([]error, len(s.ams))
	var wg sync.WaitGroup
	for i := range s.ams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := s.ams[i]
			for attempt := 1; ; attempt++ {
				s.portMu.Lock()
				args := s.alertmanagerArgs(i)
				s.portMu.Unlock()
				errs[i] = s.launch(ctx, p, args)
				if errs[i] == nil || !errors.Is(errs[i], errAddrInUse) || attempt == portAttempts {
					return
				}
				s.logf("%s: a port was taken, trying others", p.name)
				s.portMu.Lock()
				errs[i] = s.pickAlertmanagerPorts(p)
				s.portMu.Unlock()
				if errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Stack) pickAlertmanagerPorts(p *proc) error {
	var err error
	if p.port, err = freePort(); err != nil {
		return err
	}
	if len(s.ams) > 1 {
		if p.clusterPort, err = freePort(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stack) runningAlertmanagers() int {
	n := 0
	for _, p := range s.ams {
		if p.running() {
			n++
		}
	}
	return n
}

// amStatus is the part of Alertmanager's /api/v2/status the launcher reads.
type amStatus struct {
	Cluster struct {
		Status string `json:"status"`
		Peers  []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"peers"`
	} `json:"cluster"`
}

// waitCluster waits until every running peer sees all running peers and
// reports the cluster "ready" (settled: it sends notifications).
func (s *Stack) waitCluster(ctx context.Context) error {
	ctx, cancel := deadline(ctx)
	defer cancel()
	want := s.runningAlertmanagers()
	for {
		last, ok := "", true
		for _, p := range s.ams {
			if !p.running() {
				continue
			}
			var st amStatus
			if err := s.apiGet(ctx, p.url()+"/api/v2/status", &st); err != nil {
				last, ok = err.Error(), false
				break
			}
			if len(st.Cluster.Peers) != want || st.Cluster.Status != "ready" {
				last, ok = fmt.Sprintf("%s sees %d of %d peers, cluster %s", p.name, len(st.Cluster.Peers), want, st.Cluster.Status), false
				break
			}
		}
		if ok {
			s.logf("alertmanager cluster of %d formed", want)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: alertmanager cluster did not form: %v (last: %s)", ctx.Err(), last)
		case <-time.After(pollEvery):
		}
	}
}
