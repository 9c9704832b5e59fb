package grafana

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Fetch reads a dashboard from Grafana's HTTP API: GET address (…/api/
// dashboards/uid/UID), whose answer is {"dashboard": …, "meta": …}. rt
// carries the connection settings (nil: http.DefaultTransport). The
// address is shown without its credentials.
func Fetch(ctx context.Context, rt http.RoundTripper, address string, timeout time.Duration) (*Dashboard, error) {
	shown := address
	if u, err := url.Parse(address); err == nil {
		shown = u.Redacted()
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return nil, &Err{Source: shown, Msg: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		var ue *url.Error
		if e, ok := err.(*url.Error); ok {
			ue = e
			err = ue.Err
		}
		return nil, &Err{Source: shown, Msg: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		msg := strings.TrimSpace(string(b))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			hint = " (check the token: [dashboards.grafana.http.authorization])"
		case http.StatusNotFound:
			hint = " (no dashboard of that UID)"
		}
		return nil, &Err{Source: shown, Msg: fmt.Sprintf("Grafana answered %s%s: %s", resp.Status, hint, msg)}
	}
	d, err := Read(shown, resp.Body)
	if err != nil {
		return nil, err
	}
	return d, nil
}
