package dockerstate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// testPKI is a CA made for one test, with a server certificate for
// 127.0.0.1 and localhost and a client certificate, as `dockerd --tlsverify`
// setups have.
type testPKI struct {
	caPEM                []byte
	serverCert           tls.Certificate
	clientPEM, clientKey []byte
	caPool               *x509.CertPool
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "academy test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p := &testPKI{caPEM: pemOf("CERTIFICATE", caDER), caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)

	issue := func(serial int64, usage x509.ExtKeyUsage, server bool) ([]byte, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "academy test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("CERTIFICATE", der), pemOf("EC PRIVATE KEY", keyDER)
	}
	serverPEM, serverKey := issue(2, x509.ExtKeyUsageServerAuth, true)
	if p.serverCert, err = tls.X509KeyPair(serverPEM, serverKey); err != nil {
		t.Fatal(err)
	}
	p.clientPEM, p.clientKey = issue(3, x509.ExtKeyUsageClientAuth, false)
	return p
}

func pemOf(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

// certDir writes the client's side as DOCKER_CERT_PATH holds it: ca.pem,
// and cert.pem and key.pem when withClient.
func (p *testPKI) certDir(t *testing.T, withClient bool) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ca.pem"), string(p.caPEM))
	if withClient {
		writeFile(t, filepath.Join(dir, "cert.pem"), string(p.clientPEM))
		writeFile(t, filepath.Join(dir, "key.pem"), string(p.clientKey))
	}
	return dir
}

// serverConfig is a daemon's --tlsverify: its certificate, and client
// certificates signed by the CA required.
func (p *testPKI) serverConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
		MinVersion:   tls.VersionTLS12,
	}
}

// tlsDir is a DOCKER_CERT_PATH of a fresh CA.
func tlsDir(t *testing.T, withClient bool) string {
	t.Helper()
	return newPKI(t).certDir(t, withClient)
}
