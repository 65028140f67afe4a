package bot

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

// Socket Mode connections are dialled by the bot, not by slack-go, so that the bot sits between
// gorilla/websocket and the network (above TLS) and sees the frames go by. slack-go drops the TCP
// connection when it stops; the bot sends a close frame first, so Slack sees a clean close
// (RFC 6455 §7.1.1). It also learns from the frames when a connection is up (hello, disconnect)
// and how long each envelope waited for its ack.

// Values slack-go uses for its own dialer (socketmode.go): a write buffer above Slack's 20 KB
// ack limit keeps every ack in one frame, as Slack does not reassemble continuation frames.
const (
	handshakeTimeout = 45 * time.Second
	writeBufferSize  = 32 * 1024
	// closeWait bounds each step of a close: the write of the close frame to a peer that
	// may no longer read, and the wait for the peer to end the stream.
	closeWait = time.Second
	// maxArrivals bounds the envelopes waiting for an ack that are remembered for the ack
	// latency; past it they are forgotten, which only loses samples.
	maxArrivals = 4096
)

// socketState is what the bot learns from its connections' frames. Safe for concurrent use.
type socketState struct {
	m         *Metrics
	connected atomic.Bool
	// acksAsked counts the envelopes the loop acked; acksWritten the text frames written, and
	// slack-go writes nothing else, so each is an ack.
	acksAsked, acksWritten atomic.Int64

	// log and helloWait are set by New; the zero values (no log, no hello watch) suit the
	// internal tests that drive connections by hand.
	log       *zap.Logger
	helloWait time.Duration
	stopping  atomic.Bool // Run is shutting down: connections end on purpose

	mu       sync.Mutex
	arrivals map[string]time.Time // envelope id -> when its frame was read
}

func newSocketState(m *Metrics) *socketState {
	return &socketState{m: m, arrivals: map[string]time.Time{}}
}

func (st *socketState) setConnected(up bool) {
	st.connected.Store(up)
	st.m.setConnected(up)
}

// received notes a text frame from Slack, and returns its type and, for a disconnect, the
// reason Slack gave.
func (st *socketState) received(payload []byte) (typ, reason string) {
	var f struct {
		Type       string `json:"type"`
		Reason     string `json:"reason"`
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(payload, &f) != nil {
		return "", ""
	}
	switch f.Type {
	case "hello":
		st.setConnected(true)
	case "disconnect":
		st.setConnected(false)
	}
	if f.EnvelopeID == "" {
		return f.Type, f.Reason
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.arrivals) >= maxArrivals {
		clear(st.arrivals)
	}
	st.arrivals[f.EnvelopeID] = time.Now()
	return f.Type, f.Reason
}

// wrote notes an ack written to Slack.
func (st *socketState) wrote(payload []byte) {
	st.acksWritten.Add(1)
	var f struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(payload, &f) != nil || f.EnvelopeID == "" {
		return
	}
	st.mu.Lock()
	at, ok := st.arrivals[f.EnvelopeID]
	delete(st.arrivals, f.EnvelopeID)
	st.mu.Unlock()
	if ok {
		st.m.ackLatency(time.Since(at))
	}
}

// socketDialer opens Socket Mode connections: directly or through the proxy the environment
// names (HTTPS_PROXY, NO_PROXY, as slack-go's own dialer would), TLS for wss://.
type socketDialer struct {
	state *socketState
	proxy func(*http.Request) (*url.URL, error)
	tls   *tls.Config // nil: the system's roots
}

func (d *socketDialer) websocket() *websocket.Dialer {
	return &websocket.Dialer{
		NetDialContext:    d.dialPlain,
		NetDialTLSContext: d.dialTLS,
		HandshakeTimeout:  handshakeTimeout,
		WriteBufferSize:   writeBufferSize,
	}
}

func (d *socketDialer) dialPlain(ctx context.Context, _, addr string) (net.Conn, error) {
	c, err := d.reach(ctx, "http", addr)
	if err != nil {
		return nil, err
	}
	return newSocketConn(c, d.state), nil
}

func (d *socketDialer) dialTLS(ctx context.Context, _, addr string) (net.Conn, error) {
	raw, err := d.reach(ctx, "https", addr)
	if err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if d.tls != nil {
		cfg = d.tls.Clone()
	}
	cfg.ServerName = host
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("tls with %s: %w", host, err)
	}
	return newSocketConn(tc, d.state), nil
}

// reach opens a TCP stream to addr, through the environment's proxy for scheme if there is one.
func (d *socketDialer) reach(ctx context.Context, scheme, addr string) (net.Conn, error) {
	var p *url.URL
	if d.proxy != nil {
		var err error
		if p, err = d.proxy(&http.Request{URL: &url.URL{Scheme: scheme, Host: addr}}); err != nil {
			return nil, fmt.Errorf("proxy for %s: %w", addr, err)
		}
	}
	var nd net.Dialer
	if p == nil {
		return nd.DialContext(ctx, "tcp", addr)
	}
	return connectVia(ctx, p, addr)
}

// socketConn is one Socket Mode connection as gorilla/websocket reads and writes it. gorilla
// writes from one goroutine at a time and each frame in one Write for the bot's small acks;
// writes are serialised here anyway so that the close frame goes between frames.
type socketConn struct {
	net.Conn
	state *socketState
	in    frameScanner // only the reading goroutine uses it

	mu      sync.Mutex
	out     frameScanner
	closing bool // a close frame went out; nothing may follow it
	closed  bool

	end connEnd // why the connection ended, for one log line (wsend.go)
}

// newSocketConn wraps a stream before the opening handshake, which gorilla sends through it.
func newSocketConn(c net.Conn, st *socketState) *socketConn {
	return &socketConn{Conn: c, state: st, in: frameScanner{head: true}, out: frameScanner{head: true}}
}

func (c *socketConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.noteHead(p[:n])
	c.in.feed(p[:n], func(op byte, payload []byte) {
		switch {
		case op == opPing:
			c.end.pinged()
		case op == opText && payload != nil:
			c.end.saw(c.state.received(payload))
		}
	})
	if err != nil {
		c.end.failed()
	}
	return n, err
}

func (c *socketConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return 0, net.ErrClosed
	}
	n, err := c.Conn.Write(p)
	c.out.feed(p[:n], func(op byte, payload []byte) {
		switch op {
		case opText:
			c.state.wrote(payload)
		case opClose:
			c.closing = true // gorilla answered Slack's close
		}
	})
	return n, err
}

// Close sends a close frame, unless one went out already or a frame is half written, then
// closes the stream. A write stuck on a peer that stopped reading fails within closeWait, so
// Close never waits longer than that for the lock.
func (c *socketConn) Close() error {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(closeWait))
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.closed = true
	sent := false
	if !c.closing && c.out.idle() {
		c.closing = true
		_, err := c.Conn.Write(clientCloseFrame())
		sent = err == nil
	}
	c.mu.Unlock()
	c.state.setConnected(false)
	c.state.ended(&c.end)
	if sent {
		c.linger()
	}
	return c.Conn.Close()
}

// linger waits, up to closeWait, for the server to answer the close frame and end the stream,
// reading whatever still comes (RFC 6455 §7.1.1: the client should let the server close first).
// Closing with unread data makes the kernel reset the connection, and a reset can destroy the
// close frame before the server reads it.
func (c *socketConn) linger() {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(closeWait))
	_, _ = io.Copy(io.Discard, c.Conn)
}
