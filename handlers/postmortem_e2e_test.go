package handlers_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
)

// respond runs a slash command through the emulator and returns the text of its first
// response_url answer.
func (s stack) respond(tb testing.TB, user, channel, text string) string {
	tb.Helper()
	call, err := s.emu.Command(user, channel, "/tacoma", text)
	if err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if rs := call.Responses(); len(rs) > 0 {
			var body struct {
				Text   string          `json:"text"`
				Blocks json.RawMessage `json:"blocks"`
			}
			if err := json.Unmarshal(rs[0], &body); err != nil {
				tb.Fatal(err)
			}
			blocks, _ := bot.BlocksText(body.Blocks)
			return body.Text + "\n" + blocks
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("/tacoma %s: no response", text)
	return ""
}

// draftFile returns the newest Markdown file Tacoma shared in a channel.
func (s stack) draftFile(tb testing.TB, channel string) slackemu.File {
	tb.Helper()
	msgs := s.emu.Messages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].BotID == s.app.BotID {
			for _, f := range msgs[i].Files {
				if strings.HasSuffix(f.Name, ".md") {
					return f
				}
			}
		}
	}
	tb.Fatalf("no Markdown file shared in %s", channel)
	return slackemu.File{}
}

// incident scripts an hour-long DNS incident in a new channel and returns the channel ID and
// the scripted start. Times are in the future so the bot's own replies, stamped "now" by the
// emulator, fall in order among them.
func incident(t *testing.T, s stack) (channel string, ana slackemu.User, t0 time.Time) {
	t.Helper()
	ana = s.emu.AddUser("ana", "Ana Lima")
	bo := s.emu.AddUser("bo", "Bo Chen")
	cy := s.emu.AddUser("cy", "Cy Diaz")
	ch := s.emu.AddChannel("inc-checkout-dns", ana.ID, bo.ID, cy.ID, s.app.BotUserID)
	t0 = time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	at := func(min int) slackemu.PostOption { return slackemu.At(t0.Add(time.Duration(min) * time.Minute)) }
	must := func(ts string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	alertTS := must(s.emu.PostAsBot("Alertmanager", ch.ID, "[FIRING:2] CoreDNSErrorsHigh (kube-system coredns)\nCoreDNS is returning SERVFAIL for 12% of requests", nil, at(0)))
	sugg := s.reply(t, ch.ID, alertTS)
	first := must(s.emu.Post(ana.ID, ch.ID, "checkout is throwing 502s for customers, dns lookups to payments take 5 seconds", at(2)))
	must(s.emu.Post(bo.ID, ch.ID, "I think it's ndots:5 making every lookup walk the search path, and coredns is OOMKilled", slackemu.InThread(first), at(5)))
	values := buttonValuesOf(t, sugg, handlers.ActionHelpful)
	if _, err := s.emu.Click(ana.ID, ch.ID, sugg.TS, handlers.ActionHelpful, values[0]); err != nil {
		t.Fatal(err)
	}
	// The click is acknowledged before its verdict is stored; a responder does not ask for the
	// postmortem within the same millisecond.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if fbs, err := s.st.Feedback(t.Context(), ch.ID); err == nil && len(fbs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the helpful click was never stored")
		}
	}
	must(s.emu.Post(ana.ID, ch.ID, "raised the coredns memory limit to 512Mi and scaled it to 6 replicas", slackemu.InThread(first), at(12)))
	must(s.emu.Post(bo.ID, ch.ID, "root cause: the new batch job does 2k external lookups a second, each fanned out 5x by ndots:5", at(20)))
	must(s.emu.PostAsBot("Alertmanager", ch.ID, "[RESOLVED] CoreDNSErrorsHigh (kube-system coredns)", nil, at(31)))
	must(s.emu.Post(cy.ID, ch.ID, "error rates back to normal, closing the incident", at(33)))
	return ch.ID, ana, t0
}

func buttonValuesOf(t *testing.T, m slackemu.Message, action string) []string {
	t.Helper()
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == action {
				out = append(out, e.Value)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s buttons in %s", action, m.Text)
	}
	return out
}

func TestPostmortemFromAnIncidentChannelIsMatchedNextTime(t *testing.T) {
	s := startStack(t, zaptest.NewLogger(t), 0)
	ch, _, _ := incident(t, s)
	cy := s.emu.AddUser("dee", "Dee Okafor")
	if err := s.emu.Invite(ch, cy.ID); err != nil {
		t.Fatal(err)
	}

	got := s.respond(t, cy.ID, ch, "postmortem")
	if !strings.Contains(got, "Draft `inc-checkout-dns-") {
		t.Fatalf("/tacoma postmortem answered:\n%s", got)
	}
	md := string(s.draftFile(t, ch).Content)
	timeline := md[max(0, strings.Index(md, "## Timeline")):]
	// The moments that matter, in order.
	order := []string{"[FIRING:2] CoreDNSErrorsHigh", "502s for customers", "ndots:5 making every lookup", "512Mi", "root cause: the new batch job", "back to normal"}
	last := -1
	for _, w := range order {
		i := strings.Index(timeline, w)
		if i < 0 || i < last {
			t.Errorf("timeline: %q missing or out of order (at %d, previous at %d):\n%s", w, i, last, timeline)
		}
		last = max(last, i)
	}
	for _, w := range []string{"Ana Lima", "Bo Chen", "Cy Diaz", "12m", "33m"} {
		if !strings.Contains(md, w) {
			t.Errorf("draft lacks %q", w)
		}
	}
	if strings.Contains(md, "Dee Okafor") {
		t.Error("someone who never wrote in the channel is listed")
	}
	if strings.Contains(md, "Similar past outages") && strings.Contains(md, "<no value>") {
		t.Error("template printed <no value>")
	}
	if !strings.Contains(strings.ToLower(md), "helpful") {
		t.Errorf("draft does not say which suggested outage was marked helpful:\n%s", md)
	}

	done := s.respond(t, cy.ID, ch, "postmortem done")
	if !strings.Contains(done, "is final") {
		t.Fatalf("/tacoma postmortem done answered:\n%s", done)
	}

	other := s.emu.AddChannel("inc-search-latency", s.user.ID, s.app.BotUserID)
	ts, err := s.emu.Post(s.user.ID, other.ID, "payments dns lookups take 5 seconds again and coredns is getting OOMKilled, the ndots:5 search path again?")
	if err != nil {
		t.Fatal(err)
	}
	reply := s.reply(t, other.ID, ts)
	text, _ := bot.BlocksText(reply.Blocks)
	if !strings.Contains(firstStory(text), "Checkout dns incident") {
		t.Errorf("the finished postmortem is not the first match in another channel:\n%s", text)
	}
	if !strings.Contains(text, "your team's postmortem") {
		t.Errorf("the team's postmortem is not labelled as the team's history:\n%s", text)
	}
}

// firstStory is the reply text up to the second story's title.
func firstStory(text string) string {
	i := strings.Index(text, "[Helpful]")
	if i < 0 {
		return text
	}
	return text[:i]
}

func TestPostmortemDoneTakesTheEditedUpload(t *testing.T) {
	s := startStack(t, zaptest.NewLogger(t), 0)
	ch, ana, t0 := incident(t, s)
	if got := s.respond(t, ana.ID, ch, "postmortem brief"); !strings.Contains(got, "`brief` template") {
		t.Fatalf("/tacoma postmortem brief answered:\n%s", got)
	}
	md := string(s.draftFile(t, ch).Content)
	edited := strings.Replace(md, "# Checkout dns incident: CoreDNSErrorsHigh", "# Checkout DNS meltdown from ndots fan-out", 1)
	if edited == md {
		t.Fatalf("draft has no title to edit:\n%s", md)
	}
	if _, err := s.emu.UploadAsUser(ana.ID, ch, "postmortem-edited.md", []byte(edited), "edited", slackemu.At(t0.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	done := s.respond(t, ana.ID, ch, "postmortem done")
	if !strings.Contains(done, "Checkout DNS meltdown from ndots fan-out") || !strings.Contains(done, "postmortem-edited.md") {
		t.Errorf("done did not take the edited file:\n%s", done)
	}
}

func TestPostmortemCommandErrors(t *testing.T) {
	s := startStack(t, zaptest.NewLogger(t), 1)
	ch := s.chs[0].ID
	for _, c := range []struct{ text, want string }{
		{"postmortem nosuch", "No postmortem template `nosuch`. Available: `atlassian`, `brief`, `google-sre`"},
		{"postmortem done", "There is no postmortem draft in this channel yet"},
		{"postmortem templates", "`google-sre`"},
		{"postmortem brief extra", "takes one template name"},
	} {
		if got := s.respond(t, s.user.ID, ch, c.text); !strings.Contains(got, c.want) {
			t.Errorf("/tacoma %s answered:\n%s\nwant %q", c.text, got, c.want)
		}
	}
}
