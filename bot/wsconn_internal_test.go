package bot

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsServer is a TLS WebSocket server that reports what one connection sent and how it ended.
type wsServer struct {
	*httptest.Server
	got chan wsResult
}

type wsResult struct {
	texts []string
	end   error
}

func newWSServer(t *testing.T) *wsServer {
	t.Helper()
	s := &wsServer{got: make(chan wsResult, 1)}
	var up websocket.Upgrader
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		var res wsResult
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				res.end = err
				break
			}
			res.texts = append(res.texts, string(data))
		}
		s.got <- res
	}))
	t.Cleanup(s.Close)
	return s
}

// connectProxy is an HTTP proxy that only tunnels (CONNECT), as corporate proxies in front of
// Slack do, and remembers the credentials it was given.
type connectProxy struct {
	*httptest.Server
	wantAuth string

	mu    sync.Mutex
	auths []string
	conns []net.Conn
	wg    sync.WaitGroup
}

func newConnectProxy(t *testing.T, wantAuth string) *connectProxy {
	t.Helper()
	p := &connectProxy{wantAuth: wantAuth}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Proxy-Authorization")
	p.mu.Lock()
	p.auths = append(p.auths, auth)
	p.mu.Unlock()
	if r.Method != http.MethodConnect {
		http.Error(w, "tunnels only", http.StatusMethodNotAllowed)
		return
	}
	if auth != p.wantAuth {
		w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
		http.Error(w, "who are you", http.StatusProxyAuthRequired)
		return
	}
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	down, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	_, _ = io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
	p.mu.Lock()
	p.conns = append(p.conns, up, down)
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		defer p.wg.Done()
		_, _ = io.Copy(dst, src)
		_ = dst.Close()
	}
	p.wg.Add(2)
	go pipe(up, down)
	go pipe(down, up)
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// TestDialerClosesWithACloseFrame dials wss:// as Slack's URL is, directly and through a proxy,
// sends an ack and closes: the server must read the ack, then a normal-closure frame.
func TestDialerClosesWithACloseFrame(t *testing.T) {
	tests := []struct {
		name      string
		viaProxy  bool
		proxyUser *url.Userinfo
	}{
		{"direct", false, nil},
		{"through a CONNECT proxy with credentials", true, url.UserPassword("ops", "s3cret-proxy-pw")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newWSServer(t)
			pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
			st := newSocketState(nil)
			d := &socketDialer{state: st, tls: &tls.Config{RootCAs: pool}}
			var proxy *connectProxy
			if tt.viaProxy {
				pw, _ := tt.proxyUser.Password()
				proxy = newConnectProxy(t, basic(tt.proxyUser.Username(), pw))
				pu, _ := url.Parse(proxy.URL)
				pu.User = tt.proxyUser
				d.proxy = http.ProxyURL(pu)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, _, err := d.websocket().DialContext(ctx, "wss://"+srv.Listener.Addr().String()+"/link", nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte(`{"envelope_id":"e1"}`)); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			res := <-srv.got
			if len(res.texts) != 1 || res.texts[0] != `{"envelope_id":"e1"}` {
				t.Errorf("server read %q, want the one ack", res.texts)
			}
			if !websocket.IsCloseError(res.end, websocket.CloseNormalClosure) {
				t.Errorf("connection ended with %v, want a close frame with 1000", res.end)
			}
			if got := st.acksWritten.Load(); got != 1 {
				t.Errorf("acks written = %d, want 1", got)
			}
			if proxy != nil && len(proxy.auths) != 1 {
				t.Errorf("the proxy saw %d CONNECTs, want 1", len(proxy.auths))
			}
		})
	}
}

// TestDialerProxyErrorsKeepThePassword checks that a refused or unusable proxy is named, with
// what to do, but never with the password in its URL.
func TestDialerProxyErrorsKeepThePassword(t *testing.T) {
	refusing := newConnectProxy(t, basic("ops", "the-right-one"))
	ru, _ := url.Parse(refusing.URL)
	ru.User = url.UserPassword("ops", "s3cret-proxy-pw")
	tests := []struct {
		name  string
		proxy *url.URL
		want  string
	}{
		{"wrong credentials", ru, "407 Proxy Authentication Required"},
		{"a SOCKS proxy", &url.URL{Scheme: "socks5", Host: "127.0.0.1:1", User: url.UserPassword("ops", "s3cret-proxy-pw")}, "use an http:// or https:// proxy"},
	}
	for _, tt := range tests {
		d := &socketDialer{state: newSocketState(nil), proxy: http.ProxyURL(tt.proxy)}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, err := d.websocket().DialContext(ctx, "wss://127.0.0.1:9/link", nil)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret-proxy-pw") {
			t.Errorf("%s: dial error = %v, want %q without the password", tt.name, err, tt.want)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: dial timed out instead of failing", tt.name)
		}
	}
}
