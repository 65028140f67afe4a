package handlers_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
)

// certs is a throwaway PKI: a CA, a server certificate for 127.0.0.1, a client certificate from
// the CA and one from a stranger's CA.
type certs struct {
	dir                       string
	caPool                    *x509.CertPool
	client, strangerClient    tls.Certificate
	serverCert, serverKey, ca string
}

func newCerts(t *testing.T) certs {
	t.Helper()
	dir := t.TempDir()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(1)
	issue := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey, k *ecdsa.PrivateKey) *x509.Certificate {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, k
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	caKey, strangerKey := key(), key()
	ca := issue(caTmpl("tacoma test CA"), nil, nil, caKey)
	stranger := issue(caTmpl("stranger CA"), nil, nil, strangerKey)
	srvKey := key()
	srv := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "tacoma"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey, srvKey)
	clientCert := func(parent *x509.Certificate, parentKey *ecdsa.PrivateKey) tls.Certificate {
		k := key()
		c := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "alertmanager"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, parent, parentKey, k)
		return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: k}
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return certs{
		dir: dir, caPool: pool,
		client: clientCert(ca, caKey), strangerClient: clientCert(stranger, strangerKey),
		serverCert: write("server.pem", "CERTIFICATE", srv.Raw), serverKey: write("server-key.pem", "EC PRIVATE KEY", keyDER),
		ca: write("ca.pem", "CERTIFICATE", ca.Raw),
	}
}

func TestReceiversRequireClientCertificates(t *testing.T) {
	pki := newCerts(t)
	s := startStack(t, zaptest.NewLogger(t), 1)
	cfg := handlers.DefaultAlertsConfig()
	cfg.Channel = "#" + s.chs[0].Name
	cfg.TLS = handlers.TLSConfig{CertFile: pki.serverCert, KeyFile: pki.serverKey, ClientCAFile: pki.ca}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := handlers.NewAlerts(cfg, handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}}, s.bot, s.idx, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TLS.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.TLS = tc
	srv.StartTLS()
	defer srv.Close()

	body := readFile(t, "testdata/am-firing.json")
	post := func(cert *tls.Certificate) (int, string, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.caPool}}
		if cert != nil {
			// Offered whatever CAs the server names, as a misconfigured sender would.
			tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
		}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("POST", srv.URL+"/hooks/alertmanager", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+amToken)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String(), nil
	}
	if code, body, err := post(nil); err != nil || code != 401 || !strings.Contains(body, "client certificate required") {
		t.Errorf("without a client certificate: %d %s %v; want 401", code, body, err)
	}
	if code, _, err := post(&pki.strangerClient); err == nil {
		t.Errorf("a certificate from another CA got %d; want a failed handshake", code)
	}
	if code, body, err := post(&pki.client); err != nil || code != 202 {
		t.Errorf("with the CA's client certificate: %d %s %v; want 202", code, body, err)
	}
}

func TestTLSConfigErrorsNameTheFile(t *testing.T) {
	pki := newCerts(t)
	for _, c := range []struct {
		cfg  handlers.TLSConfig
		want string
	}{
		{handlers.TLSConfig{CertFile: pki.serverCert}, "cert_file and key_file are both required"},
		{handlers.TLSConfig{ClientCAFile: pki.ca}, "cert_file and key_file are both required"},
		{handlers.TLSConfig{CertFile: pki.serverCert, KeyFile: "/nope/key.pem"}, "/nope/key.pem"},
		{handlers.TLSConfig{CertFile: pki.serverCert, KeyFile: pki.serverKey, ClientCAFile: pki.serverKey}, "holds no PEM certificate"},
	} {
		cfg := handlers.DefaultAlertsConfig()
		cfg.TLS = c.cfg
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want it to say %q", c.cfg, err, c.want)
		}
	}
}
