package demo

import (
	"fmt"
	"math"
	"math/rand"
	"time"
)

// run steps the simulation on every tick until Close.
func (a *App) run() {
	defer close(a.done)
	t := time.NewTicker(a.opts.Tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-a.stop:
			return
		case now := <-t.C:
			dt := now.Sub(last)
			last = now
			// A stalled process must not make up for lost time in one burst.
			if dt > 5*time.Second {
				dt = 5 * time.Second
			}
			if dt <= 0 {
				continue
			}
			a.step(dt.Seconds(), a.faultsAt(now.Sub(a.start)))
		}
	}
}

// Latency model: a request takes its endpoint's median latency times a
// lognormal factor. A latency fault adds an extra whose 99th percentile is
// the fault's Latency.
const (
	z99         = 2.3263478740408408 // standard normal 99th percentile
	faultSpread = 0.3
)

// step simulates dt seconds of traffic.
func (a *App) step(dt float64, faults map[string]Fault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ep := range a.endpoints {
		n := poisson(a.rng, ep.rate*dt)
		if n == 0 {
			continue
		}
		f := faults[ep.path]
		for i := 0; i < n; i++ {
			a.request(ep, f)
		}
	}
	if a.opts.Pitfalls.Scanners {
		for i, n := 0, poisson(a.rng, scannerRate*dt); i < n; i++ {
			a.scan()
		}
	}
	// Periodic background work not tied to a request.
	for i, n := 0, poisson(a.rng, 0.2*dt); i < n; i++ {
		a.celery.WithLabelValues("reindex_search").Observe(lognormal(a.rng, 4, 0.5))
	}
	for i, n := 0, poisson(a.rng, 0.05*dt); i < n; i++ {
		a.celery.WithLabelValues("cleanup_sessions").Observe(lognormal(a.rng, 0.8, 0.4))
	}
}

// request simulates one request and records it in every family.
func (a *App) request(ep *endpoint, f Fault) {
	w := 0
	if len(a.workers) > 1 {
		w = a.rng.Intn(len(a.workers))
	}
	a.families = a.workers[w]
	lat := lognormal(a.rng, ep.latency.Seconds(), ep.spread)
	extra := 0.0
	if f.Latency > 0 {
		extra = f.Latency.Seconds() * math.Exp(faultSpread*(a.rng.NormFloat64()-z99))
		lat += extra
	}
	errRatio := math.Min(1, ep.errRatio+f.ErrorRatio)
	status := ep.okStatus
	u := a.rng.Float64()
	switch {
	case u < errRatio:
		status = "500"
	case u < errRatio+ep.clientRatio:
		status = ep.clientStatus
	}

	if ep.query != "" {
		q := lognormal(a.rng, 0.004, 0.6) + 0.8*extra
		a.dbQuery.WithLabelValues(ep.query).Observe(q)
	}
	if status == ep.okStatus {
		if ok := ep.ok[w]; ok.duration != nil {
			ok.duration.Observe(lat)
			ok.requests.Inc()
		}
		if ep.slug != "" {
			a.views.WithLabelValues(ep.slug).Inc()
		}
		if ep.task != "" {
			a.celery.WithLabelValues(ep.task).Observe(lognormal(a.rng, 1.2, 0.5))
		}
		return
	}
	if a.opts.Pitfalls.DebugReloader {
		return
	}
	a.duration.WithLabelValues(ep.method, ep.label, status).Observe(lat)
	a.requests.WithLabelValues(ep.method, status).Inc()
	// An @errorhandler turns the exception into a handled response: the
	// exporter never sees it.
	exc := ""
	if status == "500" && !a.opts.Pitfalls.HideExceptions {
		if a.opts.ExceptionsByEndpoint {
			a.exceptions.WithLabelValues(ep.method, "500", ep.label).Inc()
			exc = ep.label
		} else {
			a.exceptions.WithLabelValues(ep.method, "500").Inc()
			exc = "-"
		}
	}
	a.markCreated(a.procStart, ep.method, ep.label, status, exc)
}

// lognormal draws around median with the given sigma.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// poisson draws a Poisson count of mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	if !(lambda > 0) {
		return 0
	}
	if lambda > 30 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		if n < 0 {
			return 0
		}
		return int(n)
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// defaultEndpoints is the shape of a small blog-and-shop Flask app.
func defaultEndpoints() []*endpoint {
	get := func(path string, rate, latMs float64) *endpoint {
		return &endpoint{method: "GET", path: path, rate: rate, latency: ms(latMs), spread: 0.5, okStatus: "200"}
	}
	post := func(path string, rate, latMs float64, ok string) *endpoint {
		return &endpoint{method: "POST", path: path, rate: rate, latency: ms(latMs), spread: 0.5, okStatus: ok}
	}
	with := func(ep *endpoint, fn func(*endpoint)) *endpoint { fn(ep); return ep }

	eps := []*endpoint{
		with(get("/", 8, 25), func(e *endpoint) { e.spread = 0.4 }),
		get("/login", 2, 15),
		with(post("/login", 1.5, 120, "302"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "401", 0.08
			e.query = "select_user"
		}),
		post("/logout", 0.5, 10, "302"),
		get("/about", 0.3, 12),
		with(get("/health", 1, 2), func(e *endpoint) { e.spread = 0.2 }),
		with(get("/api/search", 4, 90), func(e *endpoint) {
			e.errRatio = 0.002
			e.spread = 0.6
			e.query = "search_products"
		}),
		with(get("/api/cart", 3, 35), func(e *endpoint) { e.query = "select_cart" }),
		with(post("/api/cart", 1.2, 60, "201"), func(e *endpoint) { e.query = "update_cart" }),
		with(post("/api/checkout", 2, 250, "200"), func(e *endpoint) {
			e.errRatio = 0.005
			e.clientStatus, e.clientRatio = "422", 0.02
			e.query = "insert_order"
			e.task = "send_receipt_email"
		}),
		with(get("/api/orders", 0.8, 70), func(e *endpoint) { e.query = "select_orders" }),
		with(post("/api/payments/webhook", 0.5, 150, "200"), func(e *endpoint) {
			e.errRatio = 0.03
			e.query = "update_order"
			e.task = "generate_invoice"
		}),
		with(get("/api/recommendations", 1.5, 180), func(e *endpoint) { e.spread = 0.7 }),
		with(post("/api/users", 0.2, 140, "201"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "409", 0.05
			e.query = "insert_user"
			e.task = "send_welcome_email"
		}),
		with(get("/api/products/7", 1, 40), func(e *endpoint) { e.query = "select_product" }),
		with(get("/static/app.js", 5, 3), func(e *endpoint) { e.spread = 0.3 }),
		with(get("/admin", 0.1, 20), func(e *endpoint) { e.clientStatus, e.clientRatio = "403", 0.6 }),
	}
	for _, id := range []string{"1", "2", "42", "1337"} {
		eps = append(eps, with(get("/api/users/"+id, 0.6, 30), func(e *endpoint) {
			e.query = "select_user"
		}))
	}
	eps = append(eps, with(get("/api/users/9999", 0.2, 20), func(e *endpoint) {
		e.clientStatus, e.clientRatio = "404", 1
		e.query = "select_user"
	}))
	for _, slug := range []string{"hello-world", "flask-tips", "prometheus-basics", "on-call-survival", "gunicorn-workers"} {
		eps = append(eps, with(get("/blog/"+slug, 1.5, 45), func(e *endpoint) {
			e.slug = slug
			e.query = "select_article"
		}))
	}
	eps = append(eps, with(get("/blog/old-post", 0.3, 8), func(e *endpoint) {
		e.clientStatus, e.clientRatio = "404", 1
		e.query = "select_article"
	}))
	for _, slug := range []string{"hello-world", "flask-tips"} {
		eps = append(eps, with(post("/blog/"+slug+"/comments", 0.3, 80, "201"), func(e *endpoint) {
			e.clientStatus, e.clientRatio = "400", 0.05
			e.query = "insert_comment"
			e.task = "notify_author"
		}))
	}
	return eps
}

// manyEndpoints is the high-cardinality app: n GET paths, status 200 but for
// a few paths that also fail now and then.
func manyEndpoints(n int) []*endpoint {
	width := len(fmt.Sprint(n))
	if width < 5 {
		width = 5
	}
	eps := make([]*endpoint, 0, n)
	for i := 1; i <= n; i++ {
		ep := &endpoint{
			method:   "GET",
			path:     fmt.Sprintf("/item/%0*d", width, i),
			rate:     0.02,
			latency:  ms(20 + float64(i%13)*20),
			spread:   0.5,
			okStatus: "200",
			query:    "select_item",
		}
		if i%1000 == 7 {
			ep.rate = 1
			ep.errRatio = 0.1
		}
		eps = append(eps, ep)
	}
	return eps
}
