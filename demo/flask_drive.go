package demo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// A load driver for the Flask app: a fixed mix of requests at a fixed
// rate, bounded in count and time, that counts what the app answered so
// that a test knows the true figures.

// Request is one kind of request a Drive sends: a path with its query
// string, and how many of every Every requests it is.
type Request struct {
	Path  string
	Every int
}

// DriveOptions bounds a Drive.
type DriveOptions struct {
	// Mix are the requests, sent in turn by their weights.
	Mix []Request
	// Rate is the requests per second (at most 200).
	Rate float64
	// Max is the most requests sent; Duration the longest it runs.
	Max      int
	Duration time.Duration
}

// Drive counts what a driver sent.
type Drive struct {
	mu      sync.Mutex
	sent    map[string]map[int]int // path -> status -> count
	errs    int
	total   int
	stopped chan struct{}
	cancel  context.CancelFunc
}

// StartDrive sends o.Mix to the app in the background until o.Max requests
// or o.Duration, whichever comes first, or Stop.
func (f *FlaskApp) StartDrive(ctx context.Context, o DriveOptions) (*Drive, error) {
	if o.Rate <= 0 || o.Rate > 200 || o.Max <= 0 || o.Duration <= 0 || len(o.Mix) == 0 {
		return nil, fmt.Errorf("demo: drive needs a rate in (0, 200], a positive Max and Duration and a mix: %+v", o)
	}
	var order []string
	for _, r := range o.Mix {
		for range max(r.Every, 1) {
			order = append(order, r.Path)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	d := &Drive{sent: map[string]map[int]int{}, stopped: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(d.stopped)
		defer cancel()
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
		defer tick.Stop()
		for i := 0; i < o.Max; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			path := order[i%len(order)]
			status, err := f.Get(ctx, path)
			d.mu.Lock()
			if err != nil {
				if ctx.Err() == nil {
					d.errs++
				}
			} else {
				if d.sent[path] == nil {
					d.sent[path] = map[int]int{}
				}
				d.sent[path][status]++
				d.total++
			}
			d.mu.Unlock()
		}
	}()
	return d, nil
}

// Stop ends the drive and waits for its last request.
func (d *Drive) Stop() {
	d.cancel()
	<-d.stopped
}

// Done is closed when the drive has ended.
func (d *Drive) Done() <-chan struct{} { return d.stopped }

// Answered is how many requests the app answered (any status).
func (d *Drive) Answered() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.total
}

// Failed is how many requests got no answer (the app was down).
func (d *Drive) Failed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.errs
}

// Count is how many requests to path got status (0: any status).
func (d *Drive) Count(path string, status int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for st, c := range d.sent[path] {
		if status == 0 || st == status {
			n += c
		}
	}
	return n
}
