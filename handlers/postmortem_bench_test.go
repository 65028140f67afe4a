package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
)

// chatter is what a long incident channel holds between the moments that matter.
var chatter = []string{
	"checking the ingress logs for the %d-th time",
	"anyone seeing errors on shard %d?",
	"I think it might be the deploy at 14:%02d",
	"restarted the worker pool %d",
	"dashboard link for region %d",
	"looks like latency is back up on node %d",
	"paging the database on-call, attempt %d",
	"ok",
}

// BenchmarkDraft2000 drafts the postmortem of a channel of 2,000 messages (1,600 top-level, 400
// replies in 40 threads, four people, a few alerts) through the emulator with Slack's default
// rate limits: reading the history page by page, naming people, rendering, saving and sharing
// the file. Run it with -benchtime 1x: Slack's conversations.replies limit (50 a minute) paces
// back-to-back drafts of the same workspace, which is not what one draft costs.
func BenchmarkDraft2000(b *testing.B) {
	cfg := handlers.DefaultConfig()
	cfg.Channels = []string{"inc-*"} // the history channel is read, not answered message by message
	s := startStackWith(b, zap.NewNop(), cfg, 0)
	var people []slackemu.User
	for i := range 4 {
		people = append(people, s.emu.AddUser(fmt.Sprintf("u%d", i), fmt.Sprintf("Responder %d", i)))
	}
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ids := []string{s.app.BotUserID}
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		ch := s.emu.AddChannel(fmt.Sprintf("history-%d", i), ids...)
		t0 := time.Now().Add(time.Hour)
		n := 0
		post := func(parent string) string {
			n++
			at := slackemu.At(t0.Add(time.Duration(n) * time.Second))
			var ts string
			var err error
			switch {
			case n%200 == 1:
				ts, err = s.emu.PostAsBot("Alertmanager", ch.ID, fmt.Sprintf("[FIRING:1] KubePodCrashLooping (shard-%d)", n), nil, at)
			case parent != "":
				ts, err = s.emu.Post(people[n%4].ID, ch.ID, fmt.Sprintf(chatter[n%len(chatter)], n), at, slackemu.InThread(parent))
			default:
				ts, err = s.emu.Post(people[n%4].ID, ch.ID, fmt.Sprintf(chatter[n%len(chatter)], n), at)
			}
			if err != nil {
				b.Fatal(err)
			}
			return ts
		}
		for t := range 1600 {
			ts := post("")
			if t%40 == 0 {
				for range 10 {
					post(ts)
				}
			}
		}
		b.StartTimer()
		start := time.Now()
		got := s.respond(b, people[0].ID, ch.ID, "postmortem")
		lat = append(lat, time.Since(start))
		if !strings.Contains(got, "Draft `history-") {
			b.Fatalf("draft answered: %s", got)
		}
	}
	report(b, lat)
}
