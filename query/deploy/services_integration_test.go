package deploy

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
	"github.com/vigilterm/vigil/query"
)

// Two services behind one Prometheus, each a real Flask app serving the
// same paths: shop's orders are healthy, billing's answer 503 half the
// time. The services keep their own figures (each equal to PromQL on its
// job alone), and the per-service endpoints attribute the incident to
// billing's /api/orders, never to a row that mixes both.
func TestTwoServicesIncidentAttributedToItsService(t *testing.T) {
	shop := demotest.StartFlask(t, demo.FlaskOptions{Shape: demo.FlaskSingle})
	billing := demotest.StartFlask(t, demo.FlaskOptions{Shape: demo.FlaskSingle})
	stack := demotest.Start(t, demo.StackOptions{Scrape: map[string][]string{"shop": {shop.Addr()}, "billing": {billing.Addr()}}})
	p, err := query.NewPrometheus(query.PrometheusOptions{URL: stack.PrometheusURL, Timeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	r := &rig{stack: stack, prom: p}
	drive := func(app *demo.FlaskApp, mix []demo.Request) {
		d, err := app.StartDrive(context.Background(), demo.DriveOptions{Mix: mix, Rate: 20, Max: 20 * 300, Duration: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Stop)
	}
	drive(shop, []demo.Request{{Path: "/api/orders", Every: 3}, {Path: "/", Every: 1}})
	drive(billing, []demo.Request{{Path: "/api/orders", Every: 1}, {Path: "/api/orders?status=503", Every: 1}, {Path: "/", Every: 1}})

	shape := query.Shape{
		Selector: `job=~"shop|billing"`, EndpointLabel: "path",
		DurationMetric: "flask_http_request_duration_seconds", RequestsMetric: "flask_http_request_total",
		ExceptionsMetric: "flask_http_request_exceptions_total", ErrorStatus: "5..", Window: window,
	}
	var ov *query.Overview
	demotest.Eventually(t, 2*time.Minute, "both services with traffic and errors in billing", func() (bool, string) {
		ov, err = p.Overview(context.Background(), shape)
		if err != nil {
			return false, err.Error()
		}
		if len(ov.Services) != 2 {
			return false, fmt.Sprintf("services %+v", ov.Services)
		}
		b := ov.Services[0] // by name: billing first
		return b.Name == "billing" && b.ErrorRatio > 0.2 && !math.IsNaN(ov.Services[1].RPS), fmt.Sprintf("services %+v", ov.Services)
	})
	at := ov.At
	for _, sv := range ov.Services {
		sel := `job="` + sv.Name + `"`
		count := `flask_http_request_duration_seconds_count{` + sel + `}[20s]`
		wantRPS := r.scalar(t, `sum(rate(`+count+`))`, at)
		wantErr := r.scalar(t, `(sum(rate(flask_http_request_duration_seconds_count{`+sel+`,status=~"5.."}[20s])) or vector(0)) / sum(rate(`+count+`))`, at)
		wantP99 := r.scalar(t, `histogram_quantile(0.99, sum by (le) (rate(flask_http_request_duration_seconds_bucket{`+sel+`}[20s])))`, at)
		if !sameFigure(sv.RPS, wantRPS) || !sameFigure(sv.ErrorRatio, wantErr) || !sameFigure(sv.P99, wantP99) {
			t.Errorf("service %s: rps %v err %v p99 %v; PromQL on its job alone: %v %v %v", sv.Name, sv.RPS, sv.ErrorRatio, sv.P99, wantRPS, wantErr, wantP99)
		}
		if !sv.TargetsKnown || sv.Up != 1 || sv.Targets != 1 {
			t.Errorf("service %s targets: %+v, want 1 of 1 up", sv.Name, sv)
		}
	}
	if shopSvc := ov.Services[1]; shopSvc.Name != "shop" || shopSvc.ErrorRatio != 0 {
		t.Errorf("shop's error ratio %v: want 0, its own (billing's errors are billing's)", shopSvc.ErrorRatio)
	}
	// The mixed overview's endpoints carry no service: they are not one.
	for _, e := range ov.Endpoints {
		if e.Service != "" {
			t.Errorf("row %s of two services says service %q", e.Name, e.Service)
		}
	}

	// Per service, each row is one service's: billing's orders carry the
	// incident, shop's are clean.
	by, err := p.OverviewByService(context.Background(), shape)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]query.Endpoint{}
	for _, e := range by.Endpoints {
		rows[e.Service+" "+e.Name] = e
	}
	bo, ok1 := rows["billing /api/orders"]
	so, ok2 := rows["shop /api/orders"]
	if !ok1 || !ok2 {
		t.Fatalf("rows by service: %v", keys(rows))
	}
	if bo.ErrorRatio < 0.3 || so.ErrorRatio != 0 {
		t.Errorf("billing /api/orders err %v (want ~0.5), shop /api/orders err %v (want 0)", bo.ErrorRatio, so.ErrorRatio)
	}
	wantBo := r.scalar(t, `sum(rate(flask_http_request_duration_seconds_count{job="billing",path="/api/orders",status=~"5.."}[20s])) / sum(rate(flask_http_request_duration_seconds_count{job="billing",path="/api/orders"}[20s]))`, by.At)
	if !sameFigure(bo.ErrorRatio, wantBo) {
		t.Errorf("billing /api/orders err %v, PromQL %v", bo.ErrorRatio, wantBo)
	}
}

// sameFigure reports whether two figures agree to 1e-9 relative, NaN with NaN.
func sameFigure(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func keys(m map[string]query.Endpoint) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
