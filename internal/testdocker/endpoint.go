package testdocker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// defaultHost is where the engine listens when DOCKER_HOST is unset.
const defaultHost = "unix:///var/run/docker.sock"

// endpoint is the engine the tests use: DOCKER_HOST (with DOCKER_CERT_PATH
// and DOCKER_TLS_VERIFY for TLS), else the default socket, as academy and
// testlab read them.
type endpoint struct {
	host string
	base string // URL prefix of every request
	http *http.Client
}

func endpointFromEnv() (*endpoint, error) {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = defaultHost
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("DOCKER_HOST %q: %w", host, err)
	}
	e := &endpoint{host: host}
	tr := &http.Transport{}
	switch u.Scheme {
	case "unix":
		path := u.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		e.base = "http://engine"
	case "tcp", "http", "https":
		certs := os.Getenv("DOCKER_CERT_PATH")
		if u.Scheme == "https" || certs != "" || os.Getenv("DOCKER_TLS_VERIFY") != "" {
			cfg, err := tlsConfig(certs, os.Getenv("DOCKER_TLS_VERIFY") != "")
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig = cfg
			e.base = "https://" + u.Host
		} else {
			e.base = "http://" + u.Host
		}
	default:
		return nil, fmt.Errorf("DOCKER_HOST %q: the tests reach engines over unix:// or tcp:// only", host)
	}
	e.http = &http.Client{Transport: tr}
	return e, nil
}

// tlsConfig loads ca.pem, cert.pem and key.pem from dir, as the docker CLI
// does.
func tlsConfig(dir string, verify bool) (*tls.Config, error) {
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".docker")
	}
	cfg := &tls.Config{InsecureSkipVerify: !verify}
	if ca, err := os.ReadFile(filepath.Join(dir, "ca.pem")); err == nil {
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(ca)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err == nil {
		cfg.Certificates = []tls.Certificate{cert}
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("DOCKER_CERT_PATH %s: %w", dir, err)
	}
	return cfg, nil
}

// get asks the engine for path; with into, it decodes the JSON answer
// (bounded: the answers the tests read are small).
func (e *endpoint) get(ctx context.Context, path string, into any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := e.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", path, e.host, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", path, e.host, err)
	}
	if res.StatusCode != http.StatusOK {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return nil, fmt.Errorf("%s at %s: %s: %s", path, e.host, res.Status, msg)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			return nil, fmt.Errorf("%s at %s: %w", path, e.host, err)
		}
	}
	return res.Header, nil
}
