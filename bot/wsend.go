package bot

import (
	"bytes"
	"sync"
	"time"

	"go.uber.org/zap"
)

// slack-go reconnects whatever ends a connection and tells its consumer nothing of why, so the
// bot reads the cause off the frames and logs one line per connection that ends: the reason of
// Slack's disconnect, a stream that failed under the reader, a hello that never came, or PINGs
// that stopped (slack-go's watchdog, socketmode.go).

// connEnd is what one connection showed of its end. Safe for concurrent use.
type connEnd struct {
	mu       sync.Mutex
	status   []byte // the first bytes of the handshake's answer, until they tell the status
	decided  bool   // status told whether the upgrade succeeded
	upgraded bool
	since    time.Time // when the upgrade was read
	lastPing time.Time
	hello    bool
	reason   string // of Slack's disconnect
	dropped  bool   // a read failed before anyone closed the connection
	noHello  bool   // the bot gave up waiting for hello
	closed   bool
	timer    *time.Timer
}

// upgradeOK is how the answer to a successful opening handshake starts (RFC 6455 §4.2.2).
var upgradeOK = []byte("HTTP/1.1 101")

// noteHead reads the handshake answer's status line as it passes and, once the upgrade
// succeeded, gives Slack the ping interval to say hello: slack-go does not wait for hello, and
// a link whose hello never comes is not one Slack delivers on.
func (c *socketConn) noteHead(b []byte) {
	e := &c.end
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.decided {
		return
	}
	e.status = append(e.status, b[:min(len(b), len(upgradeOK)-len(e.status))]...)
	if len(e.status) < len(upgradeOK) {
		return
	}
	e.decided, e.upgraded, e.since = true, bytes.Equal(e.status, upgradeOK), time.Now()
	if e.upgraded && c.state.helloWait > 0 && !e.closed {
		e.timer = time.AfterFunc(c.state.helloWait, c.helloMissed)
	}
}

func (c *socketConn) helloMissed() {
	e := &c.end
	e.mu.Lock()
	if e.hello || e.closed {
		e.mu.Unlock()
		return
	}
	e.noHello = true
	e.mu.Unlock()
	_ = c.Close() // slack-go's reader fails and it reconnects
}

func (e *connEnd) pinged() {
	e.mu.Lock()
	e.lastPing = time.Now()
	e.mu.Unlock()
}

// saw notes a text frame's type and disconnect reason.
func (e *connEnd) saw(typ, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch typ {
	case "hello":
		e.hello = true
	case "disconnect":
		if e.reason == "" {
			e.reason = reason
		}
	}
}

func (e *connEnd) failed() {
	e.mu.Lock()
	if !e.closed {
		e.dropped = true
	}
	e.mu.Unlock()
}

// ended logs why a connection ended, once; the connection's Close calls it. Dials that never
// upgraded are not logged here: slack-go reports them as connection errors.
func (st *socketState) ended(e *connEnd) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if e.timer != nil {
		e.timer.Stop()
	}
	log := st.log
	if log == nil || !e.upgraded {
		return
	}
	quiet := time.Since(e.since)
	if !e.lastPing.IsZero() {
		quiet = time.Since(e.lastPing)
	}
	switch {
	case st.stopping.Load():
		log.Debug("slack connection closed for shutdown")
	case e.reason == "refresh_requested" || e.reason == "warning":
		// Routine: Slack recycles connections every few hours (slack-protocol.md §2.4).
		log.Info("slack asked to reconnect", zap.String("reason", e.reason))
	case e.reason != "":
		log.Warn("slack asked to reconnect", zap.String("reason", e.reason))
	case e.dropped:
		log.Warn("slack connection lost; reconnecting")
	case e.noHello:
		log.Warn("no hello from slack; reconnecting", zap.Duration("waited", st.helloWait))
	default:
		// slack-go's watchdog is what closes a live connection otherwise.
		log.Warn("no ping from slack; reconnecting", zap.Duration("silent_for", quiet.Round(time.Millisecond)))
	}
}
