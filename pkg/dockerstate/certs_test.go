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
	caCert               *x509.Certificate
	caKey                *ecdsa.PrivateKey
	caPool               *x509.CertPool
	serverCert           tls.Certificate
	clientPEM, clientKey []byte
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
	p := &testPKI{caPEM: pemOf("CERTIFICATE", caDER), caCert: ca, caKey: caKey, caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)
	p.serverCert = p.server(t, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
	p.clientPEM, p.clientKey = p.issue(t, x509.ExtKeyUsageClientAuth, nil, nil)
	return p
}

// issue makes a certificate the CA signed, and its key, in PEM.
func (p *testPKI) issue(t *testing.T, usage x509.ExtKeyUsage, names []string, ips []net.IP) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "academy test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		DNSNames: names, IPAddresses: ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("CERTIFICATE", der), pemOf("EC PRIVATE KEY", keyDER)
}

// server makes a server certificate for the names and addresses.
func (p *testPKI) server(t *testing.T, names []string, ips []net.IP) tls.Certificate {
	t.Helper()
	certPEM, keyPEM := p.issue(t, x509.ExtKeyUsageServerAuth, names, ips)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair
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
func (p *testPKI) serverConfig() *tls.Config { return p.serverConfigWith(p.serverCert) }

func (p *testPKI) serverConfigWith(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
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
