package demotest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vigilterm/vigil/demo"
)

// Secured is what a test needs to start a stack behind
// --web.config.file: the certificates of a CA of its own, those of a second
// CA the servers do not trust, and the web configuration.
type Secured struct {
	// Dir is the test's temporary directory that holds the files.
	Dir string
	// PKI is the servers' CA, server certificate and client certificate.
	PKI *demo.TLSFiles
	// Other is a CA, with its certificates, that the servers do not use.
	Other *demo.TLSFiles
	// WebConfig serves TLS, requires a client certificate of PKI's CA
	// (mTLS), and basic auth of the user with the password (bcrypt).
	WebConfig []byte
}

// NewSecured writes a Secured for user and password. When the servers are
// missing the test is skipped (failed under CI=true), as Start does.
func NewSecured(t testing.TB, user, password string) Secured {
	t.Helper()
	if _, _, err := demo.Binaries(); err != nil {
		Start(t, demo.StackOptions{}) // skips, or fails under CI, with the reason
	}
	dir := t.TempDir()
	pki, err := demo.GenerateTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	otherDir := filepath.Join(dir, "other")
	if err := os.Mkdir(otherDir, 0o700); err != nil {
		t.Fatal(err)
	}
	other, err := demo.GenerateTLS(otherDir)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	web := fmt.Sprintf(`tls_server_config:
  cert_file: %s
  key_file: %s
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: %s
basic_auth_users:
  %s: %s
`, pki.ServerCert, pki.ServerKey, pki.CA, user, hash)
	return Secured{Dir: dir, PKI: pki, Other: other, WebConfig: []byte(web)}
}
