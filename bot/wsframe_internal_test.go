package bot

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encodeFrame builds one WebSocket frame as RFC 6455 §5.2 lays it out, independently of the
// scanner under test.
func encodeFrame(op byte, fin, masked bool, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var mbit byte
	if masked {
		mbit = 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, mbit|byte(n))
	case n <= 0xffff:
		f = append(f, mbit|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, mbit|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	if !masked {
		return append(f, payload...)
	}
	key := []byte{0x37, 0xfa, 0x21, 0x3d}
	f = append(f, key...)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}

type seenFrame struct {
	Op      byte
	Payload string
	Kept    bool
}

func TestFrameScannerFollowsTheStream(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000)
	mid := bytes.Repeat([]byte("y"), 300)
	head := "GET /link/?ticket=t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n"
	tests := []struct {
		name   string
		head   bool
		stream []byte
		want   []seenFrame
	}{
		{"an ack, masked as clients send", false, encodeFrame(opText, true, true, []byte(`{"envelope_id":"e1"}`)),
			[]seenFrame{{opText, `{"envelope_id":"e1"}`, true}}},
		{"server frames after the handshake's head", true,
			append([]byte(head), append(encodeFrame(opText, true, false, []byte(`{"type":"hello"}`)), encodeFrame(0x9, true, false, []byte("ping"))...)...),
			[]seenFrame{{opText, `{"type":"hello"}`, true}, {0x9, "", false}}},
		{"a 16-bit length", false, encodeFrame(opText, true, true, mid), []seenFrame{{opText, string(mid), true}}},
		{"a 64-bit length", false, encodeFrame(opText, true, false, big), []seenFrame{{opText, string(big), true}}},
		{"empty frames", false, append(encodeFrame(opClose, true, true, nil), encodeFrame(opText, true, true, nil)...),
			[]seenFrame{{opClose, "", false}, {opText, "", true}}},
		{"a fragmented message is not kept", false,
			append(encodeFrame(opText, false, true, []byte("part")), encodeFrame(0x0, true, true, []byte("rest"))...),
			[]seenFrame{{opText, "", false}, {0x0, "", false}}},
	}
	for _, tt := range tests {
		for _, cut := range cuts(len(tt.stream)) {
			t.Run(fmt.Sprintf("%s/%s", tt.name, cut.name), func(t *testing.T) {
				s := frameScanner{head: tt.head}
				var got []seenFrame
				for _, piece := range cut.split(tt.stream) {
					s.feed(piece, func(op byte, p []byte) { got = append(got, seenFrame{op, string(p), p != nil}) })
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("frames (-want +got):\n%s", diff)
				}
				if !s.idle() {
					t.Error("idle() = false after whole frames")
				}
			})
		}
	}
}

func TestFrameScannerIsNotIdleMidFrame(t *testing.T) {
	f := encodeFrame(opText, true, true, []byte(`{"envelope_id":"e1"}`))
	tests := []struct {
		name string
		head bool
		in   []byte
		want bool
	}{
		{"nothing yet", false, nil, true},
		{"half a header", false, f[:1], false},
		{"header without payload", false, f[:6], false},
		{"most of the payload", false, f[:len(f)-1], false},
		{"a whole frame", false, f, true},
		{"still in the handshake", true, []byte("HTTP/1.1 101 Switching Protocols\r\n"), false},
		{"the handshake done", true, []byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), true},
	}
	for _, tt := range tests {
		s := frameScanner{head: tt.head}
		s.feed(tt.in, func(byte, []byte) {})
		if got := s.idle(); got != tt.want {
			t.Errorf("%s: idle() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestClientCloseFrameIsMaskedNormalClosure(t *testing.T) {
	var s frameScanner
	var op byte
	f := clientCloseFrame()
	s.feed(f, func(o byte, _ []byte) { op = o })
	if op != opClose || f[1]&0x80 == 0 {
		t.Fatalf("clientCloseFrame() = % x: want a masked close frame", f)
	}
	code := binary.BigEndian.Uint16([]byte{f[6] ^ f[2], f[7] ^ f[3]})
	if code != 1000 {
		t.Errorf("close code = %d, want 1000 (normal closure)", code)
	}
}

type cut struct {
	name  string
	split func([]byte) [][]byte
}

// cuts are ways the network may hand a stream over: whole, a byte at a time, and (for short
// streams) in two pieces at every point.
func cuts(n int) []cut {
	cs := []cut{
		{"whole", func(b []byte) [][]byte { return [][]byte{b} }},
		{"bytewise", func(b []byte) [][]byte {
			out := make([][]byte, len(b))
			for i := range b {
				out[i] = b[i : i+1]
			}
			return out
		}},
	}
	if n > 400 {
		return cs
	}
	for i := 1; i < n; i++ {
		cs = append(cs, cut{fmt.Sprintf("at%d", i), func(b []byte) [][]byte { return [][]byte{b[:i], b[i:]} }})
	}
	return cs
}

// BenchmarkEnvelopeFrame measures what watching the socket costs per envelope: following the
// frame and reading its type and envelope_id, on an events_api envelope of typical size.
func BenchmarkEnvelopeFrame(b *testing.B) {
	payload := []byte(`{"envelope_id":"6a2f4e1c-8d0b-4a7e-a1f3-2c9d7e5b8a10","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev0000000001","event_time":1700000000,"event":{"type":"message","channel":"C1","user":"U1","ts":"1700000000.000100","text":"` + string(bytes.Repeat([]byte("coredns pods OOMKilled "), 60)) + `"}}}`)
	frame := encodeFrame(opText, true, false, payload)
	st := newSocketState(nil)
	var s frameScanner
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		s.feed(frame, func(op byte, p []byte) { st.received(p) })
	}
}
