package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil/demo"
	"github.com/vigilterm/vigil/demo/demotest"
)

// Two real Flask apps behind one Prometheus, serving the same paths: shop
// is healthy, billing's orders answer 503 half the time. At 80x24 the
// overview lists the services, billing first with its own error ratio;
// / filters them; enter opens billing's endpoints with the incident on
// its /api/orders; esc comes back; S changes the selector to shop alone.
// The snapshot attributes the incident to billing too.
func TestE2ETwoServicesIncidentOnItsService(t *testing.T) {
	t.Parallel()
	shop := demotest.StartFlask(t, demo.FlaskOptions{Shape: demo.FlaskSingle})
	billing := demotest.StartFlask(t, demo.FlaskOptions{Shape: demo.FlaskSingle})
	stack := demotest.Start(t, demo.StackOptions{Scrape: map[string][]string{"shop": {shop.Addr()}, "billing": {billing.Addr()}}})
	for _, d := range []struct {
		app *demo.FlaskApp
		mix []demo.Request
	}{
		{shop, []demo.Request{{Path: "/api/orders", Every: 3}, {Path: "/", Every: 1}}},
		{billing, []demo.Request{{Path: "/api/orders", Every: 1}, {Path: "/api/orders?status=503", Every: 1}, {Path: "/", Every: 1}}},
	} {
		drv, err := d.app.StartDrive(context.Background(), demo.DriveOptions{Mix: d.mix, Rate: 20, Max: 20 * 600, Duration: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(drv.Stop)
	}
	bin := vigilBinary(t)
	args := []string{"--prometheus", stack.PrometheusURL, "--refresh", "1s", "--window", "20s", "--selector", `job=~"shop|billing"`}
	p := startPane(t, 80, 24, []string{"NO_COLOR="}, append([]string{bin}, args...)...)

	// The service level: billing, worst, first; the selector shown.
	row := regexp.MustCompile(`(?m)^\s+billing\s+[0-9.]+\s+([0-9.]+)%`)
	s := p.waitFor("the services, billing first with its errors", 90*time.Second, func(s string) bool {
		m := row.FindStringSubmatch(s)
		return strings.Contains(s, "SERVICE") && m != nil && pct(m[1]) > 20 && strings.Index(s, "billing") < strings.Index(s, "  shop")
	})
	t.Logf("service level at 80x24:\n%s", s)
	for _, want := range []string{"2 of 2 services", `selector {job=~"shop|billing"}`, "1/1 up"} {
		if !strings.Contains(s, want) {
			t.Errorf("service level lacks %q:\n%s", want, s)
		}
	}
	if regexp.MustCompile(`(?m)^\s+shop\s+[0-9.]+\s+0%`).FindString(s) == "" {
		t.Errorf("shop's row does not read 0%% errors:\n%s", s)
	}
	if strings.Contains(s, "/api/orders") {
		t.Errorf("a mixed endpoint row is shown for two services:\n%s", s)
	}

	// / filters by service.
	p.filter("shop")
	s = p.waitText(10*time.Second, "1 of 2 services")
	if strings.Contains(s, "billing ") && regexp.MustCompile(`(?m)^\s+billing\s`).MatchString(s) {
		t.Errorf("the filter shop still shows billing:\n%s", s)
	}
	p.keys("Escape")
	p.waitText(10*time.Second, "2 of 2 services")

	// enter on billing (the top row) opens its endpoints: the incident is
	// on its /api/orders.
	p.keys("Enter")
	ep := regexp.MustCompile(`(?m)^\s+/api/orders\s+[0-9.]+\s+([0-9.]+)%`)
	s = p.waitFor("billing's endpoints", 30*time.Second, func(s string) bool {
		m := ep.FindStringSubmatch(s)
		return strings.Contains(s, "› job billing") && !strings.Contains(s, "reading…") && m != nil && pct(m[1]) > 20
	})
	t.Logf("billing's endpoints:\n%s", s)
	if !strings.Contains(s, "ENDPOINT") {
		t.Errorf("no endpoint table for billing:\n%s", s)
	}

	// esc comes back to the services.
	p.keys("Escape")
	p.waitText(30*time.Second, "2 of 2 services")

	// S changes the selector: shop alone, its orders clean.
	p.keys("S")
	// The status line says "selector {…}" already: the prompt's footer.
	p.waitText(10*time.Second, "selector {", "esc cancel")
	p.keys("C-u")
	p.typeText(`job="shop`) // no closing quote: refused with why, nothing sent
	p.keys("Enter")
	p.waitText(10*time.Second, "✕")
	p.typeText(`"`)
	p.keys("Enter")
	shopRow := regexp.MustCompile(`(?m)^\s+/api/orders\s+[0-9.]+\s+0%`)
	s = p.waitFor("shop's endpoints", 30*time.Second, func(s string) bool {
		return strings.Contains(s, `selector {job="shop"}`) && !strings.Contains(s, "reading…") && shopRow.MatchString(s)
	})
	if strings.Contains(s, "SERVICE") {
		t.Errorf("one service still listed as services:\n%s", s)
	}

	// The snapshot: services, and each row with its service.
	out, err := exec.Command(bin, append([]string{"snapshot", "--format", "json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("snapshot: %v\n%s", err, out)
	}
	var snap struct {
		Services []struct {
			Name       string   `json:"name"`
			ErrorRatio *float64 `json:"error_ratio"`
		} `json:"services"`
		Endpoints []struct {
			Service    string   `json:"service"`
			Endpoint   string   `json:"endpoint"`
			ErrorRatio *float64 `json:"error_ratio"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(out, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Services) != 2 {
		t.Fatalf("snapshot services: %+v", snap.Services)
	}
	found := map[string]float64{}
	for _, e := range snap.Endpoints {
		if e.Service == "" {
			t.Errorf("snapshot row %s has no service", e.Endpoint)
		}
		if e.ErrorRatio != nil {
			found[e.Service+" "+e.Endpoint] = *e.ErrorRatio
		}
	}
	if found["billing /api/orders"] < 0.3 || found["shop /api/orders"] != 0 {
		t.Errorf("snapshot rows: %v; want billing /api/orders near 50%% errors and shop /api/orders at 0", found)
	}
	// The worst row first, named with its service.
	if len(snap.Endpoints) == 0 || snap.Endpoints[0].Service != "billing" || snap.Endpoints[0].Endpoint != "/api/orders" {
		t.Errorf("snapshot's first row %+v, want billing /api/orders", snap.Endpoints[:min(1, len(snap.Endpoints))])
	}
	txt, err := exec.Command(bin, append([]string{"snapshot", "--format", "text"}, args...)...).Output()
	if err != nil {
		t.Fatalf("snapshot text: %v\n%s", err, txt)
	}
	t.Logf("text snapshot:\n%s", txt)
	if !regexp.MustCompile(`(?m)^billing\s+/api/orders\s`).Match(txt) || !strings.Contains(string(txt), "2 services (by job)") {
		t.Errorf("text snapshot does not attribute the incident to billing:\n%s", txt)
	}
}

// pct is a percentage as the screen shows it, -1 when it is not one.
func pct(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}
