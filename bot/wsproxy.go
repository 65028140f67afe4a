package bot

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// connectVia opens a tunnel to addr with HTTP CONNECT through an http:// or https:// proxy.
// Errors name the proxy by host only: its URL may carry a password.
func connectVia(ctx context.Context, p *url.URL, addr string) (net.Conn, error) {
	port := p.Port()
	switch {
	case p.Scheme != "http" && p.Scheme != "https":
		return nil, fmt.Errorf("proxy %s: scheme %q cannot carry Socket Mode; use an http:// or https:// proxy", p.Hostname(), p.Scheme)
	case port == "" && p.Scheme == "http":
		port = "80"
	case port == "":
		port = "443"
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", net.JoinHostPort(p.Hostname(), port))
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", p.Hostname(), err)
	}
	if p.Scheme == "https" {
		tc := tls.Client(c, &tls.Config{ServerName: p.Hostname(), MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("proxy %s: tls: %w", p.Hostname(), err)
		}
		c = tc
	}
	if err := tunnel(ctx, c, p, addr); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("proxy %s: %w", p.Hostname(), err)
	}
	return c, nil
}

func tunnel(ctx context.Context, c net.Conn, p *url.URL, addr string) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
		defer func() { _ = c.SetDeadline(time.Time{}) }()
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
	if u := p.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	if err := req.Write(c); err != nil {
		return fmt.Errorf("send CONNECT: %w", err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return fmt.Errorf("read CONNECT answer: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("CONNECT %s: %s", addr, resp.Status)
	}
	if br.Buffered() > 0 {
		// The server speaks second in TLS and WebSocket alike, so nothing may come before
		// the client's first bytes; whatever did would be lost with br.
		return errors.New("data before the tunnel was used")
	}
	return nil
}
