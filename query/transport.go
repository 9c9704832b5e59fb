package query

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// UserAgent is what vigil sends as User-Agent on its own transports.
const UserAgent = "vigil"

// NewTransport builds the RoundTripper of one kind of server (Prometheus or
// the Alertmanagers) from prometheus/common's HTTPClientConfig, the client
// block of Prometheus and amtool: basic auth, Authorization credentials,
// TLS (CA, client certificate, server name), proxy and extra headers.
// Password, credentials and header files are read on every request, and
// the TLS files whenever they change, so rotated secrets are picked up
// without a restart.
//
// name says which server it is for ("prometheus", "alertmanager"); it
// starts every error. Errors of requests made through the transport keep
// their type (errors.As finds *url.Error, net.Error, x509 errors) and, for
// TLS problems, carry a hint naming the setting to change.
func NewTransport(cfg promconfig.HTTPClientConfig, name string) (http.RoundTripper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %s", name, oneLine(err.Error()))
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	rt, err := promconfig.NewRoundTripperFromConfig(cfg, name,
		promconfig.WithDialContextFunc(dialer.DialContext),
		promconfig.WithUserAgent(UserAgent),
		promconfig.WithIdleConnTimeout(90*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, oneLine(err.Error()))
	}
	return &hintTransport{next: rt, clientCert: cfg.TLSConfig.CertFile != "" || cfg.TLSConfig.Cert != "" || cfg.TLSConfig.CertRef != ""}, nil
}

// TLSHintError is a failed request whose cause is a TLS setting. Its
// message is the cause followed by what to change.
type TLSHintError struct {
	Err  error
	Hint string
	// opaque hides Err from errors.Is / errors.As, so that callers word
	// the message from Error (with the hint) rather than from a bare
	// "connection reset".
	opaque bool
}

func (e *TLSHintError) Error() string { return e.Err.Error() + " (" + e.Hint + ")" }

// Unwrap returns the cause, except for a connection cut during TLS whose
// meaning only the hint gives.
func (e *TLSHintError) Unwrap() error {
	if e.opaque {
		return nil
	}
	return e.Err
}

// hintTransport adds a hint to the TLS errors a user can fix in the
// configuration.
type hintTransport struct {
	next       http.RoundTripper
	clientCert bool // a client certificate is configured

	mu       sync.Mutex
	lastHint string    // the hint of the last TLS failure
	lastAt   time.Time // when it happened
}

// hintMemory is how long a TLS failure explains connections cut after it:
// the requests that shared the refused connection.
const hintMemory = 10 * time.Second

func (t *hintTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		if h := tlsHint(err, t.clientCert); h != "" {
			t.mu.Lock()
			t.lastHint, t.lastAt = h, time.Now()
			t.mu.Unlock()
			return nil, &TLSHintError{Err: err, Hint: h}
		}
		// In TLS 1.3 the server checks the client certificate after the
		// client's handshake is done: a request may already be on its way
		// when the server hangs up, and it sees the cut (or, sharing an
		// HTTP/2 connection, its closing) instead of the server's alert.
		if r.URL.Scheme == "https" && cutConnection(err) {
			t.mu.Lock()
			h := t.lastHint
			if time.Since(t.lastAt) > hintMemory {
				h = ""
			}
			t.mu.Unlock()
			switch {
			case h != "":
			case !t.clientCert:
				h = "the server closed the TLS connection: if it requires a client certificate, set tls_config.cert_file and tls_config.key_file"
			default:
				h = "the server closed the TLS connection: if it checks client certificates, it may not trust tls_config.cert_file"
			}
			return nil, &TLSHintError{Err: err, Hint: h, opaque: true}
		}
		return nil, err
	}
	return resp, nil
}

// CloseIdleConnections drops the idle connections of the transport below.
func (t *hintTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func cutConnection(err error) bool {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := err.Error()
	// The last one is what a request waiting on a shared HTTP/2 connection
	// sees when that connection's handshake was refused.
	return strings.Contains(msg, "http2: client connection force closed") ||
		strings.Contains(msg, "http2: client connection lost") ||
		strings.Contains(msg, "http2: client conn could not be established")
}

// tlsHint returns what to change for a TLS failure, or "". clientCert
// tells whether a client certificate was offered: servers refuse a missing
// one with "certificate required" (TLS 1.3, Go 1.21 and later) or "bad
// certificate" (older servers).
func tlsHint(err error, clientCert bool) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	msg := err.Error()
	switch {
	case errors.As(err, &ua):
		return "set tls_config.ca_file to the CA that signed the server's certificate"
	case errors.As(err, &hn):
		return "the certificate is not for this host: use a host it names, or set tls_config.server_name"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "the server's certificate has expired, or the clock is wrong"
	case errors.As(err, &rh):
		return "the server does not speak TLS: use an http:// URL"
	case strings.Contains(msg, "tls: certificate required"),
		!clientCert && strings.Contains(msg, "remote error: tls: bad certificate"):
		return "the server requires a client certificate: set tls_config.cert_file and tls_config.key_file"
	case strings.Contains(msg, "remote error: tls: unknown certificate authority"),
		strings.Contains(msg, "remote error: tls: bad certificate"):
		return "the server refused the client certificate in tls_config.cert_file: it is not signed by a CA the server trusts"
	}
	return ""
}
