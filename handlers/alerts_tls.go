package handlers

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// TLSConfig serves the receivers over HTTPS. With ClientCAFile, every webhook must present a
// client certificate signed by one of its CAs (mutual TLS); health and metrics stay reachable
// without one, because Kubernetes probes and Prometheus present none.
type TLSConfig struct {
	CertFile     string `yaml:"cert_file"`
	KeyFile      string `yaml:"key_file"`
	ClientCAFile string `yaml:"client_ca_file"`
}

// Enabled reports whether the receivers serve HTTPS.
func (c TLSConfig) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" || c.ClientCAFile != "" }

// ServerConfig loads the certificate, key and client CAs, saying which file is wrong.
func (c TLSConfig) ServerConfig() (*tls.Config, error) {
	if c.CertFile == "" || c.KeyFile == "" {
		return nil, errors.New("alerts.tls: cert_file and key_file are both required for HTTPS")
	}
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("alerts.tls: load %s and %s: %w", c.CertFile, c.KeyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("alerts.tls.client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("alerts.tls.client_ca_file: %s holds no PEM certificate", c.ClientCAFile)
		}
		cfg.ClientCAs = pool
		// Verified when given; the webhook handler then requires one (see requireClientCert).
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// requireClientCert refuses webhooks without a verified client certificate when mutual TLS is on.
func (a *Alerts) requireClientCert(r *http.Request) error {
	if a.cfg.TLS.ClientCAFile == "" {
		return nil
	}
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return errors.New("client certificate required: this receiver uses mutual TLS")
	}
	return nil
}
