package query

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// Services: the selection may span several services behind one
// Prometheus (two Flask apps, each its own job). An endpoint's row mixes
// every service's series of its path, so with more than one service the
// console shows the services first, each with its own figures and
// targets, and opens one service's endpoints with the selector narrowed
// to it. The services' figures travel in the totals query: the number of
// queries of a refresh stays the same.

// DefaultServiceLabel names a service when metrics.service_label is unset:
// Prometheus's job.
const DefaultServiceLabel = "job"

// Service holds the figures of one service over the rate window; a figure
// that does not exist is NaN, as an Endpoint's.
type Service struct {
	Name       string
	RPS        float64
	ErrorRatio float64
	P99        float64
	Exceptions float64 // count over the window, from the exceptions counter
	// Unknown, when set, is why the figures are NaN: a target of the
	// service has several processes answering its scrapes in turn.
	Unknown string
	// Up and Targets count the service's targets (up{S} with the service
	// label); TargetsKnown is false when the service label is not on up
	// or the targets query failed.
	Up, Targets  int
	TargetsKnown bool
}

// serviceLabel is the label that names a service.
func (s Shape) serviceLabel() string {
	if s.ServiceLabel == "" {
		return DefaultServiceLabel
	}
	return s.ServiceLabel
}

// ServiceLabelOf is the label that names a service in s.
func ServiceLabelOf(s Shape) string { return s.serviceLabel() }

// ServiceSelector is s's selector narrowed to one service.
func ServiceSelector(s Shape, service string) string {
	m := LabelMatch(s.serviceLabel(), "=", service)
	if c := CleanSelector(s.Selector); c != "" {
		return c + "," + m
	}
	return m
}

// serviceRPSQuery and the three below are the per-service figures, from
// the raw series.
func serviceRPSQuery(s Shape) string {
	return "sum by (" + s.serviceLabel() + ") (rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window) + "))"
}

func serviceErrorsQuery(s Shape) string {
	return "sum by (" + s.serviceLabel() + ") (rate(" + RangeSelector(s.countMetric(), s.Selector, s.Window, s.errorMatcher()) + "))"
}

func serviceP99Query(s Shape) string {
	return "histogram_quantile(0.99, sum by (" + s.serviceLabel() + ", le) (rate(" + RangeSelector(s.bucketMetric(), s.Selector, s.Window) + ")))"
}

func serviceExceptionsQuery(s Shape) string {
	return "sum by (" + s.serviceLabel() + ") (increase(" + RangeSelector(s.ExceptionsMetric, s.Selector, s.Window) + "))"
}

// servicePartExprs sets the service parts of a refresh in out: from
// vigil's recorded series when they keep the service label (the job),
// from the raw series otherwise.
func servicePartExprs(s Shape, out *[numQueries]string, rec *RecordedNames, secs string) {
	if rec == nil || s.serviceLabel() != "job" {
		raw := s
		raw.recorded = ""
		out[qSvcRPS], out[qSvcErrors] = serviceRPSQuery(raw), serviceErrorsQuery(raw)
		out[qSvcP99], out[qSvcExc] = serviceP99Query(raw), serviceExceptionsQuery(raw)
		return
	}
	sumBy := func(metric string, extra ...string) string {
		return "sum by (job) (" + Selector(metric, s.Selector, extra...) + ")"
	}
	out[qSvcRPS] = sumBy(rec.Requests)
	out[qSvcErrors] = sumBy(rec.Requests, s.errorMatcher())
	buckets := rec.TotalBuckets // by job and le
	if selectorNames(s, s.EndpointLabel) {
		buckets = rec.Buckets
	}
	out[qSvcP99] = "histogram_quantile(0.99, sum by (job, le) (" + Selector(buckets, s.Selector) + "))"
	out[qSvcExc] = sumBy(rec.Exceptions) + " * " + secs
}

// assembleServices builds the services of a refresh from its service
// parts, and their targets from the targets list.
func assembleServices(s Shape, ov *Overview, res *[numQueries]queryResult) {
	label := model.LabelName(s.serviceLabel())
	ov.ServiceLabel = string(label)
	if res[qSvcRPS].err != nil {
		ov.ServicesErr = res[qSvcRPS].err
		return
	}
	nan := math.NaN()
	index := map[string]int{}
	at := func(smp *model.Sample) *Service {
		name := string(smp.Metric[label])
		i, ok := index[name]
		if !ok {
			i = len(ov.Services)
			index[name] = i
			ov.Services = append(ov.Services, Service{Name: name, RPS: nan, ErrorRatio: nan, P99: nan, Exceptions: nan})
		}
		return &ov.Services[i]
	}
	errs := map[string]float64{}
	for _, smp := range res[qSvcRPS].vec {
		at(smp).RPS = finite(float64(smp.Value))
	}
	for _, smp := range res[qSvcErrors].vec {
		errs[string(smp.Metric[label])] = finite(float64(smp.Value))
	}
	for _, smp := range res[qSvcP99].vec {
		if _, ok := index[string(smp.Metric[label])]; ok {
			at(smp).P99 = finite(float64(smp.Value))
		}
	}
	for _, smp := range res[qSvcExc].vec {
		if _, ok := index[string(smp.Metric[label])]; ok {
			at(smp).Exceptions = finite(float64(smp.Value))
		}
	}
	for i := range ov.Services {
		sv := &ov.Services[i]
		e, ok := errs[sv.Name]
		if !ok {
			e = nan
		}
		sv.ErrorRatio = errorRatio(e, sv.RPS, res[qSvcErrors].err == nil)
		if math.IsNaN(sv.Exceptions) && res[qSvcExc].err == nil && !math.IsNaN(sv.RPS) {
			sv.Exceptions = 0
		}
	}
	slices.SortFunc(ov.Services, func(x, y Service) int { return strings.Compare(x.Name, y.Name) })
}

// serviceTargets counts each service's targets and marks a service with a
// target whose processes answer in turn unknown: its rates are wrong.
// Only the job is on up{S}: with another service label the targets are
// unknown, and any target answering in turn makes every service unknown.
func serviceTargets(ov *Overview) {
	if len(ov.Services) == 0 {
		return
	}
	byJob := ov.ServiceLabel == "job"
	nan := math.NaN()
	for i := range ov.Services {
		sv := &ov.Services[i]
		sv.TargetsKnown = ov.Targets.Known && byJob
		for _, t := range ov.Targets.List {
			if byJob && t.Job != sv.Name {
				continue
			}
			if byJob {
				sv.Targets++
				if t.Up {
					sv.Up++
				}
			}
			if t.Processes.InTurn() && sv.Unknown == "" {
				sv.Unknown = t.Processes.Why()
			}
		}
		if sv.Unknown != "" {
			sv.RPS, sv.ErrorRatio, sv.P99, sv.Exceptions = nan, nan, nan, nan
		}
	}
}

// nameService gives every endpoint the one service of the selection,
// when there is one.
func nameService(ov *Overview) {
	if one := ov.ServiceOf(); one != "" {
		for i := range ov.Endpoints {
			ov.Endpoints[i].Service = one
		}
	}
}

// ServiceOf is the one service of an overview's selection, "" when there
// are several or none.
func (o *Overview) ServiceOf() string {
	if o == nil || len(o.Services) != 1 {
		return ""
	}
	return o.Services[0].Name
}

// MaxServicesBrokenDown caps the services OverviewByService reads one by
// one: beyond it the rest are listed with their own figures only.
const MaxServicesBrokenDown = 20

// OverviewByService is one overview of s whose endpoints are per service:
// with one service in the selection it is Overview's; with several, each
// service's endpoints are read with the selector narrowed to it (at most
// MaxServicesBrokenDown of them, two at a time), so no row mixes two
// services' series of one path. The totals, targets and services are the
// whole selection's. It costs a refresh per service: for a one-off
// report, not for a console's refreshes.
func (p *Prometheus) OverviewByService(ctx context.Context, s Shape) (*Overview, error) {
	at := time.Now()
	base, err := p.OverviewAt(ctx, s, at)
	if err != nil || len(base.Services) < 2 {
		return base, err
	}
	names := make([]string, 0, len(base.Services))
	for _, sv := range base.Services {
		names = append(names, sv.Name)
	}
	if len(names) > MaxServicesBrokenDown {
		base.Warnings = append(base.Warnings, fmt.Sprintf("%d services: the endpoints of the first %d (by name) are listed, the others' figures are in services only",
			len(names), MaxServicesBrokenDown))
		names = names[:MaxServicesBrokenDown]
	}
	per := make([]*Overview, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			one := s
			one.Selector = ServiceSelector(s, name)
			per[i], errs[i] = p.OverviewAt(ctx, one, at)
		}()
	}
	wg.Wait()
	out := *base
	out.Endpoints = nil
	for i, name := range names {
		if errs[i] != nil {
			out.Errors = append(out.Errors, QueryError{Name: "service " + name, Err: errs[i]})
			continue
		}
		for _, e := range per[i].Endpoints {
			e.Service = name
			out.Endpoints = append(out.Endpoints, e)
		}
		for _, qe := range per[i].Errors {
			qe.Name = name + ": " + qe.Name
			out.Errors = append(out.Errors, qe)
		}
	}
	return &out, nil
}
