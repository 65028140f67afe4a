package handlers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/scale"
)

// The reply benchmark's load: 20 messages a second, spread so that no channel gets more than
// the one message a second chat.postMessage allows per channel
// (https://docs.slack.dev/apis/web-api/rate-limits).
const (
	replyRate     = 20
	replyChannels = 20
)

// BenchmarkScaleReply measures a responder's message to Tacoma's threaded reply through the
// emulator at 20 messages a second (open loop: a slow reply does not slow the senders), with
// N-50 generated team postmortems added beside the catalog. ns/op is the pacing, 50 ms; the
// figures are p50-ms and p99-ms. Select a size with -bench 'ScaleReply/N=100000$'.
func BenchmarkScaleReply(b *testing.B) {
	for _, added := range []int{0, 100_000} {
		// The stack is built in the parent so that the testing package's repeated runs of the
		// timed loop do not index 100,000 postmortems each time.
		b.Run(fmt.Sprintf("N=%d", max(added, 50)), func(b *testing.B) {
			s := startStack(b, zap.NewNop(), replyChannels, slackemu.WithRateLimits(map[string]slackemu.Limit{"chat.postMessage": {}}))
			addScaled(b, s.idx, added)
			msgs := confidentMessages(b, s.idx, "../eval/messages-dev.yaml")
			b.Run(fmt.Sprintf("rate=%d", replyRate), func(b *testing.B) { benchScaleReply(b, s, msgs) })
		})
	}
}

func benchScaleReply(b *testing.B, s stack, msgs []string) {

	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / replyRate)
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		ch := s.chs[i%len(s.chs)].ID
		start := time.Now()
		ts, err := s.emu.Post(s.user.ID, ch, msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			// Generous: past its capacity the bot queues messages, and the figure should say how
			// late the replies come rather than stop at a deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, err := s.emu.WaitMessage(ctx, func(m slackemu.Message) bool {
				return m.Channel == ch && m.ThreadTS == ts && m.BotID == s.app.BotID
			})
			if err != nil {
				b.Errorf("no reply in %s/%s: %v", ch, ts, err)
				return
			}
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) > 0 {
		report(b, lat)
	}
}

// addScaled adds n generated postmortems to idx the way tacoma loads its history: batches of
// 1,000.
func addScaled(tb testing.TB, idx *knowledge.Index, n int) {
	tb.Helper()
	batch := make([]*knowledge.Story, 0, 1000)
	for p := range scale.Seq(1, n) {
		if batch = append(batch, p.Story()); len(batch) == cap(batch) {
			if err := idx.Add(batch...); err != nil {
				tb.Fatal(err)
			}
			batch = make([]*knowledge.Story, 0, 1000)
		}
	}
	if len(batch) > 0 {
		if err := idx.Add(batch...); err != nil {
			tb.Fatal(err)
		}
	}
}

// confidentMessages returns the messages of an evaluation set that Tacoma answers unasked on
// idx: the others get no reply, and there would be nothing to time.
func confidentMessages(tb testing.TB, idx *knowledge.Index, path string) []string {
	tb.Helper()
	set, err := knowledge.LoadEvalSet(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range set.Cases {
		res, err := idx.Search(context.Background(), c.Text, 10)
		if err == nil && len(res) > 0 && res[0].Confident() {
			out = append(out, c.Text)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no message of %s gets a confident answer", path)
	}
	return out
}
