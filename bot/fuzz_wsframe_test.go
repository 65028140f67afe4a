package bot

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzWSFrame feeds arbitrary bytes to the frame scanner as the network might cut them: the
// frames it reports, and whether it ends between frames, must not depend on how the stream was
// cut, and must be those a straightforward decoder of the whole stream finds. Kept payloads
// are unfragmented text frames within maxKeptPayload, unmasked.
func FuzzWSFrame(f *testing.F) {
	head := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
	seeds := []struct {
		stream []byte
		head   bool
	}{
		{encodeFrame(opText, true, true, []byte(`{"envelope_id":"e1"}`)), false},
		{append(head, encodeFrame(opText, true, false, []byte(`{"type":"hello"}`))...), true},
		{append(encodeFrame(opText, false, true, []byte("part")), encodeFrame(0x0, true, true, []byte("rest"))...), false},
		{encodeFrame(opText, true, false, bytes.Repeat([]byte("y"), 300)), false},
		{append(encodeFrame(opClose, true, true, []byte{0x03, 0xe8}), 0x81), false},
		{[]byte{0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 'x'}, false},
		{[]byte("GET / HTTP/1.1\r\n\r\r\n\r\n\x81\x00"), true},
	}
	for _, s := range seeds {
		f.Add(s.stream, s.head, uint8(3))
	}
	f.Fuzz(func(t *testing.T, stream []byte, head bool, step uint8) {
		want, wantIdle := decodeFrames(stream, head)
		cuts := map[string]int{"whole": len(stream) + 1, "pieces": int(step%13) + 1, "bytes": 1}
		for name, size := range cuts {
			s := frameScanner{head: head}
			var got []seenFrame
			for rest := stream; len(rest) > 0; {
				n := min(size, len(rest))
				s.feed(rest[:n], func(op byte, p []byte) { got = append(got, seenFrame{op, string(p), p != nil}) })
				rest = rest[n:]
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("frames fed %s (-decoded +scanned):\n%s", name, d)
			}
			if s.idle() != wantIdle {
				t.Fatalf("fed %s: idle() = %v, want %v", name, s.idle(), wantIdle)
			}
		}
		for _, fr := range want {
			if fr.Kept && (fr.Op != opText || len(fr.Payload) > maxKeptPayload) {
				t.Fatalf("kept a frame it must not: op %#x, %d bytes", fr.Op, len(fr.Payload))
			}
		}
	})
}

// decodeFrames decodes every complete frame of a whole stream, independently of the scanner,
// and reports whether the stream ends between frames.
func decodeFrames(stream []byte, head bool) (frames []seenFrame, idle bool) {
	if head {
		i := bytes.Index(stream, []byte("\r\n\r\n"))
		if i < 0 {
			return nil, false
		}
		stream = stream[i+4:]
	}
	for len(stream) > 0 {
		if len(stream) < 2 {
			return frames, false
		}
		fin, op, masked := stream[0]&0x80 != 0, stream[0]&0x0f, stream[1]&0x80 != 0
		n, p := uint64(stream[1]&0x7f), 2
		switch {
		case n == 126 && len(stream) >= 4:
			n, p = uint64(binary.BigEndian.Uint16(stream[2:])), 4
		case n == 127 && len(stream) >= 10:
			n, p = binary.BigEndian.Uint64(stream[2:]), 10
		case n >= 126:
			return frames, false
		}
		var key []byte
		if masked {
			if len(stream) < p+4 {
				return frames, false
			}
			key, p = stream[p:p+4], p+4
		}
		if uint64(len(stream)-p) < n {
			return frames, false
		}
		fr := seenFrame{Op: op, Kept: fin && op == opText && n <= maxKeptPayload}
		if fr.Kept {
			payload := bytes.Clone(stream[p : p+int(n)])
			for i := range payload {
				if masked {
					payload[i] ^= key[i%4]
				}
			}
			fr.Payload = string(payload)
		}
		frames = append(frames, fr)
		stream = stream[p+int(n):]
	}
	return frames, true
}
