package bot

import (
	"crypto/rand"
	"encoding/binary"
)

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
)

// maxKeptPayload bounds the payloads a frameScanner hands over: envelopes and acks are well
// under it (Slack drops acks of 20 KB), so a larger frame is never one the bot needs to read.
const maxKeptPayload = 1 << 20

// frameScanner follows a stream of WebSocket frames (RFC 6455 §5.2) as its bytes pass, in
// whatever pieces they come, and hands over each complete frame. Payloads are unmasked and kept
// only for unfragmented text frames up to maxKeptPayload. With head set, the stream starts with
// the HTTP head of the opening handshake, which is skipped. Not safe for concurrent use.
type frameScanner struct {
	head    bool   // still in the handshake's HTTP head
	crlf    int    // how much of the "\r\n\r\n" that ends the head has passed
	hdr     []byte // the header of the next frame, as far as it has come
	inFrame bool   // the header is complete; left payload bytes are still to come
	left    uint64
	op      byte
	keep    bool
	masked  bool
	key     [4]byte
	pos     int
	payload []byte
}

// idle reports whether the stream is between frames, where another frame may be put in.
func (s *frameScanner) idle() bool { return !s.head && !s.inFrame && len(s.hdr) == 0 }

// skipHead consumes the handshake's HTTP head from b and returns the rest. The head has no
// body: a GET upgrade request, a 101 answer.
func (s *frameScanner) skipHead(b []byte) []byte {
	const end = "\r\n\r\n"
	for i, c := range b {
		switch {
		case c == end[s.crlf]:
			s.crlf++
		case c == '\r':
			s.crlf = 1
		default:
			s.crlf = 0
		}
		if s.crlf == len(end) {
			s.head = false
			return b[i+1:]
		}
	}
	return nil
}

// feed takes the next bytes of the stream and calls done for each frame they complete. The
// payload passed to done is reused afterwards; it is nil for frames not kept.
func (s *frameScanner) feed(b []byte, done func(op byte, payload []byte)) {
	if s.head {
		if b = s.skipHead(b); s.head {
			return
		}
	}
	for {
		if !s.inFrame {
			need := headerLen(s.hdr)
			if len(s.hdr) < need {
				if len(b) == 0 {
					return
				}
				take := min(need-len(s.hdr), len(b))
				s.hdr = append(s.hdr, b[:take]...)
				b = b[take:]
				continue
			}
			s.begin()
		}
		if s.left == 0 {
			s.end(done)
			continue
		}
		if len(b) == 0 {
			return
		}
		take := int(min(s.left, uint64(len(b))))
		if s.keep {
			for _, c := range b[:take] {
				if s.masked {
					c ^= s.key[s.pos%4]
				}
				s.payload = append(s.payload, c)
				s.pos++
			}
		}
		s.left -= uint64(take)
		b = b[take:]
	}
}

// headerLen is the length of a frame header that starts with h: 2 bytes, the extended
// payload length, and the masking key.
func headerLen(h []byte) int {
	if len(h) < 2 {
		return 2
	}
	n := 2
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if h[1]&0x80 != 0 {
		n += 4
	}
	return n
}

func (s *frameScanner) begin() {
	h := s.hdr
	fin := h[0]&0x80 != 0
	s.op = h[0] & 0x0f
	s.masked = h[1]&0x80 != 0
	n, rest := uint64(h[1]&0x7f), h[2:]
	switch n {
	case 126:
		n, rest = uint64(binary.BigEndian.Uint16(rest)), rest[2:]
	case 127:
		n, rest = binary.BigEndian.Uint64(rest), rest[8:]
	}
	if s.masked {
		copy(s.key[:], rest)
	}
	s.left, s.pos, s.inFrame = n, 0, true
	s.keep = fin && s.op == opText && n <= maxKeptPayload
	if s.payload == nil {
		s.payload = make([]byte, 0, 512) // an empty kept payload must not read as "not kept"
	}
	s.payload = s.payload[:0]
}

func (s *frameScanner) end(done func(op byte, payload []byte)) {
	var p []byte
	if s.keep {
		p = s.payload
	}
	s.inFrame, s.hdr = false, s.hdr[:0]
	done(s.op, p)
}

// clientCloseFrame is a masked close frame with status 1000, normal closure: what a client
// sends to end a connection cleanly (RFC 6455 §5.5.1, §7.4.1). Clients must mask every frame
// with an unpredictable key (§5.3).
func clientCloseFrame() []byte {
	payload := []byte{0x03, 0xe8}
	var key [4]byte
	_, _ = rand.Read(key[:]) // crypto/rand.Read never fails (Go 1.24+)
	f := []byte{0x80 | opClose, 0x80 | byte(len(payload))}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}
