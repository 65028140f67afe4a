package slackemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"
)

// Envelope types (slack-protocol.md §2.2).
const (
	envelopeEvents      = "events_api"
	envelopeSlash       = "slash_commands"
	envelopeInteractive = "interactive"
)

// maxAckSize is the size at which Slack silently drops a Socket Mode response
// (slack-go socketmode.go:65, slack-go#1196).
const maxAckSize = 20 * 1024

// record is one logical envelope: the first delivery and its retries share it, and its
// event_id, but each delivery has its own envelope_id. Guarded by Server.mu.
type record struct {
	seq         int
	typ         string
	eventType   string
	eventID     string
	payload     json.RawMessage
	retries     bool // events_api envelopes are redelivered; commands and clicks are not
	attempt     int  // retry_attempt of the current or next delivery
	lastSent    int  // retry_attempt of the latest delivery sent
	inflight    bool
	sentAt      time.Time
	deadline    time.Time // ack deadline of the in-flight delivery
	due         time.Time // when the next delivery may go out
	envelopeIDs []string
	acked       bool
	gaveUp      bool
	ackPayload  json.RawMessage
	settled     chan struct{} // closed once acked or given up
	onAck       func(payload json.RawMessage)
}

type envelopeQueue struct {
	pending     []*record // neither acked nor given up, oldest first
	all         []*record
	byEnvelope  map[string]*record
	delivered   int
	redelivered int
}

func (q *envelopeQueue) init() { q.byEnvelope = map[string]*record{} }

// wire is one envelope frame (socketmode.Request).
type wire struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	Payload                json.RawMessage `json:"payload"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
}

// enqueueLocked queues a new logical envelope for delivery and wakes the loop.
func (s *Server) enqueueLocked(typ string, payload json.RawMessage, eventID, eventType string) *record {
	r := &record{
		seq: len(s.queue.all) + 1, typ: typ, eventType: eventType, eventID: eventID,
		payload: payload, retries: typ == envelopeEvents, settled: make(chan struct{}),
	}
	s.queue.pending = append(s.queue.pending, r)
	s.queue.all = append(s.queue.all, r)
	s.wake()
	return r
}

// deliveryLoop sends queued envelopes, expires un-acked ones and schedules retries.
// It is the only goroutine that decides delivery; Close stops it.
func (s *Server) deliveryLoop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		next := s.deliverLocked(time.Now())
		s.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-s.done:
			return
		case <-s.kick:
		case <-timer.C:
		}
	}
}

// deliverLocked advances every pending envelope and returns when it next needs to run
// (zero: only a new envelope or connection can change anything).
//
// Retry n (1-based) goes out schedule[n-1] after delivery n-1, but never before that
// delivery's ack deadline. While no connection is open, due envelopes wait.
func (s *Server) deliverLocked(now time.Time) time.Time {
	var next time.Time
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	keep := s.queue.pending[:0]
	for _, r := range s.queue.pending {
		if r.acked {
			continue
		}
		if r.inflight && !now.Before(r.deadline) {
			r.inflight = false
			if !r.retries || r.attempt >= len(s.cfg.retrySchedule) {
				s.giveUpLocked(r)
				continue
			}
			r.attempt++
			r.due = r.sentAt.Add(max(s.cfg.ackTimeout, s.cfg.retrySchedule[r.attempt-1]))
		}
		if !r.inflight && !now.Before(r.due) {
			if sock := s.sockets.next(); sock != nil {
				s.sendLocked(sock, r, now)
			}
		}
		switch {
		case r.inflight:
			later(r.deadline)
		case now.Before(r.due):
			later(r.due)
		}
		keep = append(keep, r)
	}
	clear(s.queue.pending[len(keep):])
	s.queue.pending = keep
	return next
}

func (s *Server) sendLocked(sock *socket, r *record, now time.Time) {
	env := wire{
		EnvelopeID: newUUID(), Type: r.typ, Payload: r.payload,
		AcceptsResponsePayload: r.typ != envelopeEvents, RetryAttempt: r.attempt,
	}
	if r.attempt > 0 {
		env.RetryReason = "timeout"
		s.queue.redelivered++
	}
	frame, err := json.Marshal(env)
	if err != nil {
		s.log.Error("marshal envelope", zap.Error(err))
		return
	}
	r.envelopeIDs = append(r.envelopeIDs, env.EnvelopeID)
	s.queue.byEnvelope[env.EnvelopeID] = r
	r.inflight, r.sentAt, r.deadline, r.lastSent = true, now, now.Add(s.cfg.ackTimeout), r.attempt
	s.queue.delivered++
	sock.send(frame)
	s.log.Debug("envelope sent", zap.String("type", r.typ), zap.String("envelope_id", env.EnvelopeID),
		zap.Int("retry_attempt", r.attempt), zap.Int("socket", sock.id))
}

func (s *Server) giveUpLocked(r *record) {
	r.gaveUp = true
	close(r.settled)
	s.log.Warn("envelope never acked", zap.String("type", r.typ), zap.String("event_id", r.eventID),
		zap.Int("deliveries", len(r.envelopeIDs)))
}

// handleAck processes one text frame from the app: an ack {envelope_id, payload?}.
func (s *Server) handleAck(sock *socket, frame []byte) {
	if len(frame) >= maxAckSize {
		s.log.Warn("ack dropped: 20 KB or larger, as Slack drops it", zap.Int("bytes", len(frame)), zap.Int("socket", sock.id))
		return
	}
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(frame, &ack); err != nil || ack.EnvelopeID == "" {
		s.log.Warn("unparseable frame from app", zap.Int("socket", sock.id), zap.Int("bytes", len(frame)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.queue.byEnvelope[ack.EnvelopeID]
	switch {
	case s.lostAcks > 0:
		s.lostAcks--
		s.log.Info("ack lost (fault injected)", zap.String("envelope_id", ack.EnvelopeID))
	case r == nil:
		s.log.Warn("ack for unknown envelope", zap.String("envelope_id", ack.EnvelopeID))
	case r.acked:
		s.log.Debug("duplicate ack", zap.String("envelope_id", ack.EnvelopeID))
	case r.gaveUp:
		s.log.Warn("ack after the ack timeout; ignored", zap.String("envelope_id", ack.EnvelopeID), zap.String("type", r.typ))
	default:
		r.acked, r.inflight = true, false
		r.ackPayload = ack.Payload
		close(r.settled)
		if r.onAck != nil {
			r.onAck(ack.Payload)
		}
		s.notifyLocked()
		s.wake()
	}
}

// EnvelopeStats counts Socket Mode deliveries. Delivered counts frames sent, first
// deliveries and retries alike; Acked and Unacked count logical envelopes (a retried
// event is one envelope).
type EnvelopeStats struct {
	Delivered   int
	Redelivered int
	Acked       int
	Unacked     int // not acked yet, queued, or given up
	Envelopes   []EnvelopeInfo
}

// EnvelopeInfo describes one logical envelope.
type EnvelopeInfo struct {
	Type         string // events_api, slash_commands or interactive
	EventType    string // inner event type, command name or interaction type
	EventID      string // events_api only; the same on every retry
	TS           string // events_api only: the ts of the message the event is about
	EnvelopeIDs  []string
	RetryAttempt int // the highest retry_attempt delivered so far
	Acked        bool
	GaveUp       bool
}

// Envelopes returns delivery statistics, oldest envelope first.
func (s *Server) Envelopes() EnvelopeStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := EnvelopeStats{Delivered: s.queue.delivered, Redelivered: s.queue.redelivered}
	for _, r := range s.queue.all {
		if r.acked {
			st.Acked++
		} else {
			st.Unacked++
		}
		st.Envelopes = append(st.Envelopes, EnvelopeInfo{
			Type: r.typ, EventType: r.eventType, EventID: r.eventID, TS: eventTS(r),
			EnvelopeIDs: slices.Clone(r.envelopeIDs), RetryAttempt: r.lastSent,
			Acked: r.acked, GaveUp: r.gaveUp,
		})
	}
	return st
}

// eventTS reads the ts of the message an events_api envelope is about.
func eventTS(r *record) string {
	if r.typ != envelopeEvents {
		return ""
	}
	var p struct {
		Event struct {
			TS string `json:"ts"`
		} `json:"event"`
	}
	_ = json.Unmarshal(r.payload, &p) // the emulator built it: it parses
	return p.Event.TS
}

func newUUID() string {
	h := randomHex(16)
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}
