package bot

import (
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// DefaultDrainTimeout is how long in-flight work may finish after Run's context ends, unless
// Config.DrainTimeout says otherwise.
const DefaultDrainTimeout = 10 * time.Second

// ackFlushWait bounds how long shutdown waits for acks slack-go has queued but not yet written.
// An ack lost there costs a redelivery, which the next run answers again: worth a moment.
const ackFlushWait = time.Second

// Connected reports whether a Socket Mode connection is up: Slack's hello came on it, and
// neither a disconnect nor a close followed. Safe for concurrent use.
func (b *Bot) Connected() bool { return b.sock.connected.Load() }

// newSocketClient is slack-go's Socket Mode client on the bot's own dialer (wsconn.go).
func newSocketClient(api *slack.Client, st *socketState, cfg Config, log *zap.Logger) *socketmode.Client {
	d := &socketDialer{state: st, proxy: http.ProxyFromEnvironment}
	return socketmode.New(api,
		socketmode.OptionPingInterval(cfg.PingInterval),
		socketmode.OptionLog(zapPrinter{log.Named("socketmode")}),
		socketmode.OptionDialer(d.websocket()),
	)
}

// observe counts an event taken off slack-go's queue, and for an envelope the ack dispatch is
// about to send. Only the loop calls it.
func (b *Bot) observe(evt socketmode.Event) {
	b.cfg.Metrics.observe(evt)
	if evt.Request != nil && isEnvelope(evt.Type) {
		b.sock.acksAsked.Add(1)
	}
}

// flushAcks waits, up to ackFlushWait, until every ack the loop asked for is on the wire, so that
// stopping the connection does not throw queued acks away. Run calls it once the loop stopped.
func (b *Bot) flushAcks() {
	deadline := time.NewTimer(ackFlushWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for b.sock.acksWritten.Load() < b.sock.acksAsked.Load() {
		select {
		case <-deadline.C:
			b.log.Warn("acks not written before the connection closed; Slack will redeliver those envelopes",
				zap.Int64("unwritten", b.sock.acksAsked.Load()-b.sock.acksWritten.Load()))
			return
		case <-tick.C:
		}
	}
}
