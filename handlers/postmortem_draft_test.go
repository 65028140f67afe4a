package handlers_test

import (
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
)

var draftIDRE = regexp.MustCompile("Draft `([^`]+)`")

func TestRedraftDoesNotCiteTheChannelsOwnPostmortem(t *testing.T) {
	s := startStack(t, zaptest.NewLogger(t), 0)
	ch, ana, _ := incident(t, s)
	m := draftIDRE.FindStringSubmatch(s.respond(t, ana.ID, ch, "postmortem"))
	if m == nil {
		t.Fatal("/tacoma postmortem named no draft")
	}
	first := m[1]
	if done := s.respond(t, ana.ID, ch, "postmortem done"); !strings.Contains(done, "is final") {
		t.Fatalf("/tacoma postmortem done answered:\n%s", done)
	}

	// The incident flares up again in the same channel: Tacoma now suggests its own postmortem.
	ts, err := s.emu.Post(ana.ID, ch, "<@"+s.app.BotUserID+"> dns lookups to payments take 5 seconds again, coredns OOMKilled, ndots:5")
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := bot.BlocksText(s.reply(t, ch, ts).Blocks)
	if !strings.Contains(reply, "`/tacoma story "+first+"`") {
		t.Fatalf("the flare-up reply does not suggest the channel's postmortem %s:\n%s", first, reply)
	}

	if got := s.respond(t, ana.ID, ch, "postmortem"); !strings.Contains(got, "Draft `") {
		t.Fatalf("second /tacoma postmortem answered:\n%s", got)
	}
	md := string(s.draftFile(t, ch).Content)
	if strings.Contains(md, "`"+first+"`") {
		t.Errorf("the new draft lists the channel's own postmortem %s as a similar outage:\n%s", first, md)
	}
	if !strings.Contains(md, "`zalando-dns-outage-2019`") {
		t.Errorf("the new draft lost the catalog's similar outages:\n%s", md)
	}
}
