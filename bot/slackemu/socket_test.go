package slackemu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestHello(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	b := startBot(t, s)

	connected := b.next(socketmode.EventTypeConnected).Data.(*socketmode.ConnectedEvent)
	if connected.ConnectionCount != 0 {
		t.Errorf("ConnectionCount = %d, want 0", connected.ConnectionCount)
	}
	hello := b.next(socketmode.EventTypeHello).Request
	got := [3]any{hello.NumConnections, hello.ConnectionInfo.AppID, hello.DebugInfo.ApproximateConnectionTime > 0}
	if want := [3]any{1, s.App().ID, true}; got != want {
		t.Errorf("hello (num_connections, app_id, approximate_connection_time>0) = %v, want %v", got, want)
	}
}

func TestMessageEventAck(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b := startBot(t, s)
	waitConnected(t, s, 1)

	ts, err := s.Post(u.ID, ch.ID, "disk full on db-1")
	if err != nil {
		t.Fatalf("Post() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	api := ev.Data.(slackevents.EventsAPIEvent)
	msg, ok := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok {
		t.Fatalf("inner event %T, want *slackevents.MessageEvent", api.InnerEvent.Data)
	}
	got := []string{api.Type, api.TeamID, api.APIAppID, msg.User, msg.Text, msg.TimeStamp, msg.Channel, msg.ChannelType, msg.EventTimeStamp}
	want := []string{"event_callback", "T0TACOMA", s.App().ID, u.ID, "disk full on db-1", ts, ch.ID, "channel", ts}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message event (-want +got):\n%s", diff)
	}
	if ev.Request.AcceptsResponsePayload || ev.Request.RetryAttempt != 0 || ev.Request.RetryReason != "" {
		t.Errorf("envelope = %+v, want accepts_response_payload false, retry_attempt 0, retry_reason \"\"", ev.Request)
	}
	cb := api.Data.(*slackevents.EventsAPICallbackEvent)
	if cb.EventID == "" || len(cb.Authorizations) != 1 || cb.Authorizations[0].UserID != s.App().BotUserID {
		t.Errorf("callback event_id %q, authorizations %+v", cb.EventID, cb.Authorizations)
	}
	waitFor(t, "envelope acked", func() bool { return s.Envelopes().Acked == 1 })
}

func TestAppMention(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b := startBot(t, s)
	waitConnected(t, s, 1)

	if _, err := s.Post(u.ID, ch.ID, "<@"+s.App().BotUserID+"> status?"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	var types []string
	for range 2 {
		ev := b.next(socketmode.EventTypeEventsAPI)
		b.ack(ev)
		types = append(types, ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Type)
	}
	if diff := cmp.Diff([]string{"message", "app_mention"}, types); diff != "" {
		t.Errorf("inner event types (-want +got):\n%s", diff)
	}
}

func TestNoEventWhenBotNotMember(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	elsewhere := s.AddChannel("random", u.ID)
	ops := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b := startBot(t, s)
	waitConnected(t, s, 1)

	if _, err := s.Post(u.ID, elsewhere.ID, "<@"+s.App().BotUserID+"> hello?"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	if _, err := s.Post(u.ID, ops.ID, "here"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	if got := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent).Channel; got != ops.ID {
		t.Errorf("first event channel = %s, want %s (no events from channels without the bot)", got, ops.ID)
	}
}

func TestRedeliveryWithoutAck(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b := startBot(t, s)
	waitConnected(t, s, 1)

	if _, err := s.Post(u.ID, ch.ID, "never acked"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	type delivery struct {
		Attempt int
		Reason  string
		EventID string
	}
	var got []delivery
	envelopes := map[string]bool{}
	for range 4 {
		ev := b.next(socketmode.EventTypeEventsAPI)
		cb := ev.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent)
		got = append(got, delivery{ev.Request.RetryAttempt, ev.Request.RetryReason, cb.EventID})
		envelopes[ev.Request.EnvelopeID] = true
	}
	id := got[0].EventID
	want := []delivery{{0, "", id}, {1, "timeout", id}, {2, "timeout", id}, {3, "timeout", id}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	if len(envelopes) != 4 {
		t.Errorf("distinct envelope_ids = %d, want 4", len(envelopes))
	}
	waitFor(t, "gave up", func() bool {
		st := s.Envelopes()
		return len(st.Envelopes) == 1 && st.Envelopes[0].GaveUp
	})
	st := s.Envelopes()
	if st.Delivered != 4 || st.Redelivered != 3 || st.Acked != 0 || st.Unacked != 1 || st.Envelopes[0].RetryAttempt != 3 {
		t.Errorf("Envelopes() = %+v, want 4 delivered, 3 redelivered, 0 acked, 1 unacked, retry_attempt 3", st)
	}
}

func TestAckOnRetry(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b := startBot(t, s)
	waitConnected(t, s, 1)

	if _, err := s.Post(u.ID, ch.ID, "acked late"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	b.next(socketmode.EventTypeEventsAPI) // not acked
	retry := b.next(socketmode.EventTypeEventsAPI)
	b.ack(retry)
	waitFor(t, "acked", func() bool { return s.Envelopes().Acked == 1 })
	time.Sleep(3 * testAck) // no further retry may come
	if st := s.Envelopes(); st.Delivered != 2 {
		t.Errorf("Delivered = %d, want 2", st.Delivered)
	}
}

func TestDisconnectReconnectsAndDeliversQueued(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cause func(*Server)
	}{
		{"disconnect frame", func(s *Server) { s.Disconnect("refresh_requested") }},
		{"link_disabled", func(s *Server) { s.Disconnect("link_disabled") }},
		{"dropped tcp", func(s *Server) { s.DropConnections() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			u := s.AddUser("ana", "Ana Lima")
			ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
			b := startBot(t, s)
			waitConnected(t, s, 1)

			// Hold the reconnect back for a second (slack-go honours Retry-After), so
			// that the post below finds no connection.
			s.RateLimitNext("apps.connections.open", 1, time.Second)
			tt.cause(s)
			if n := s.Connections(); n != 0 {
				t.Fatalf("Connections() after %s = %d, want 0", tt.name, n)
			}
			// No connection now: the envelope waits in the queue.
			if _, err := s.Post(u.ID, ch.ID, "while away"); err != nil {
				t.Fatalf("Post() = %v", err)
			}
			ev := b.next(socketmode.EventTypeEventsAPI)
			b.ack(ev)
			if got := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent).Text; got != "while away" {
				t.Errorf("text = %q, want %q", got, "while away")
			}
			if n := s.Calls("apps.connections.open"); n < 3 {
				t.Errorf("apps.connections.open calls = %d, want >= 3 (open, rate-limited reopen, reopen)", n)
			}
		})
	}
}

func TestQueuedUntilFirstConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	if _, err := s.Post(u.ID, ch.ID, "before the bot started"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	b := startBot(t, s)
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	if ev.Request.RetryAttempt != 0 {
		t.Errorf("retry_attempt = %d, want 0", ev.Request.RetryAttempt)
	}
}

func TestPingsKeepConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	startBot(t, s) // its watchdog drops sockets without a PING for 1 s
	waitConnected(t, s, 1)
	time.Sleep(2500 * time.Millisecond)
	if n := s.Calls("apps.connections.open"); n != 1 {
		t.Errorf("apps.connections.open calls = %d, want 1 (no watchdog reconnects)", n)
	}
}

func TestRoundRobin(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	b1, b2 := startBot(t, s), startBot(t, s)
	waitConnected(t, s, 2)
	for range 4 {
		if _, err := s.Post(u.ID, ch.ID, "x"); err != nil {
			t.Fatalf("Post() = %v", err)
		}
	}
	for _, b := range []*bot{b1, b2} {
		for range 2 {
			b.ack(b.next(socketmode.EventTypeEventsAPI))
		}
	}
	waitFor(t, "all acked", func() bool { return s.Envelopes().Acked == 4 })
	if st := s.Envelopes(); st.Delivered != 4 {
		t.Errorf("Delivered = %d, want 4 (each envelope to one connection)", st.Delivered)
	}
}

func TestConnectionCap(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithMaxConnections(1))
	startBot(t, s)
	waitConnected(t, s, 1)
	b2 := startBot(t, s)
	for {
		ev := b2.nextRaw()
		if ev.Type != socketmode.EventTypeConnectionError {
			continue
		}
		if got := slackErr(ev.Data.(*slack.ConnectionErrorEvent).ErrorObj); got != "too_many_websockets" {
			t.Errorf("connection error = %q, want too_many_websockets", got)
		}
		break
	}
	if n := s.Connections(); n != 1 {
		t.Errorf("Connections() = %d, want 1", n)
	}
}

func TestConnectionsOpenAuth(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	app := s.App()
	tests := []struct {
		name     string
		appToken string
		want     string
	}{
		{"bot token", app.BotToken, "not_allowed_token_type"},
		{"unknown token", "xapp-1-A0-nope", "invalid_auth"},
		{"no token", "", "not_authed"},
		{"app token", app.AppToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newAPI(t, s, slack.OptionAppLevelToken(tt.appToken))
			_, url, err := api.StartSocketModeContext(ctxT(t))
			if got := slackErr(err); got != tt.want {
				t.Errorf("apps.connections.open error = %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "" && len(url) < len("ws://") {
				t.Errorf("url = %q, want a ws:// URL", url)
			}
		})
	}
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseIsFinal(t *testing.T) {
	t.Parallel()
	s := New()
	if err := s.Start(); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", u.ID)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if err := s.Start(); !errors.Is(err, ErrClosed) {
		t.Errorf("Start() after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Post(u.ID, ch.ID, "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Post() after Close = %v, want ErrClosed", err)
	}
	if _, err := s.WaitMessage(context.Background(), func(Message) bool { return false }); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitMessage() after Close = %v, want ErrClosed", err)
	}
}
