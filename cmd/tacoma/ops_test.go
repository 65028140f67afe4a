package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// marker is a word no log line has a reason to hold: it goes into a message, a slash command
// and an alert, so that a log line carrying any of their text is caught.
const marker = "zebracorn7731"

// testSecrets are the credentials the scenario sets; none may reach a log line.
func testSecrets() map[string]string {
	return map[string]string{
		"TACOMA_ALERTMANAGER_TOKENS":     "am-secret-5b1f0c",
		"TACOMA_ALERTMANAGER_BASIC_AUTH": "ops:basic-secret-77aa",
		"TACOMA_GRAFANA_SECRETS":         "gf-secret-9d2e7a",
		"TACOMA_PAGERDUTY_SECRETS":       "pd-secret-3c8b4e",
	}
}

// syncBuffer is a log sink tests read while the bot writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// live is run() in Slack mode against the emulator, at log level info, until stop.
type live struct {
	emu         *slackemu.Server
	app         slackemu.App
	user        slackemu.User
	inc, alerts slackemu.Channel
	base        string // the HTTP listener: http://127.0.0.1:PORT
	logs        *syncBuffer
	stop        func() error
}

func startLive(t *testing.T) *live {
	t.Helper()
	emu := slackemu.New(
		slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")),
		slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown method %s", m) }),
		slackemu.WithAckTimeout(300*time.Millisecond),
		slackemu.WithRetrySchedule(300*time.Millisecond, 300*time.Millisecond),
	)
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	l := &live{emu: emu, app: emu.App(), logs: &syncBuffer{}}
	l.user = emu.AddUser("bob", "Bob Oncall")
	l.inc = emu.AddChannel("inc-42", l.user.ID, l.app.BotUserID)
	l.alerts = emu.AddChannel("alerts", l.user.ID, l.app.BotUserID)
	t.Setenv("SLACK_APP_TOKEN", l.app.AppToken)
	t.Setenv("SLACK_BOT_TOKEN", l.app.BotToken)
	t.Setenv("TACOMA_SLACK_API_URL", emu.APIURL())
	t.Setenv("TACOMA_DATA_DIR", t.TempDir())
	t.Setenv("TACOMA_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("TACOMA_ALERTS_CHANNEL", "#alerts")
	for k, v := range testSecrets() {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, strings.NewReader(""), io.Discard, l.logs) }()
	var result error
	stopped := false
	l.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = l.stop() })
	eventually(t, "the HTTP listener", func() bool {
		l.base = listenAddr(l.logs.String())
		return l.base != ""
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return l
}

// listenAddr reads the HTTP listener's address from the JSON log, or "".
func listenAddr(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		var e struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "alert receivers listening" {
			return "http://" + e.Addr
		}
	}
	return ""
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (l *live) waitReply(t *testing.T, ch, ts string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := l.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.ThreadTS == ts && m.BotID == l.app.BotID }); err != nil {
		t.Fatalf("no reply in thread %s of %s: %v", ts, ch, err)
	}
}

func (l *live) settle(t *testing.T) {
	t.Helper()
	eventually(t, "every envelope acked", func() bool { return l.emu.Envelopes().Unacked == 0 })
}

// command runs a slash command and returns the text of its first response.
func (l *live) command(t *testing.T, text string) string {
	t.Helper()
	call, err := l.emu.Command(l.user.ID, l.inc.ID, "/tacoma", text)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the response to /tacoma "+text, func() bool { return len(call.Responses()) > 0 })
	var r struct{ Text string }
	if err := json.Unmarshal(call.Responses()[0], &r); err != nil {
		t.Fatal(err)
	}
	return r.Text
}

func (l *live) webhook(t *testing.T, path, auth string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (l *live) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(l.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// wrongToken is what a misconfigured sender presents; it may be a secret elsewhere.
const wrongToken = "presented-wrong-token-4411"

// scenario is what responders, Slack and Alertmanager do in the ops tests: a failure answered in
// its thread, an ack lost and the envelope redelivered, a reply held back by 429s, slash commands
// (a search, a postmortem drafted and finished), an alert delivered and one refused.
func scenario(t *testing.T, l *live) {
	t.Helper()
	const failure = "kubectl hangs and etcd leader keeps changing, api server timeouts "
	ts, err := l.emu.Post(l.user.ID, l.inc.ID, failure+marker)
	if err != nil {
		t.Fatal(err)
	}
	l.waitReply(t, l.inc.ID, ts)
	l.settle(t) // the reply's own event too: the ack lost next must be the chatter's

	l.emu.LoseAcks(1)
	if _, err := l.emu.Post(l.user.ID, l.inc.ID, "lunch anyone? "+marker); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the redelivery", func() bool { return l.emu.Envelopes().Redelivered > 0 })
	l.settle(t)

	l.emu.RateLimitNext("chat.postMessage", 2, time.Second)
	ts, err = l.emu.Post(l.user.ID, l.inc.ID, "coredns pods OOMKilled, every dns lookup times out "+marker)
	if err != nil {
		t.Fatal(err)
	}
	l.waitReply(t, l.inc.ID, ts)

	if got := l.command(t, "search etcd leader elections "+marker); !strings.Contains(got, "Past outages like") {
		t.Errorf("/tacoma search answered %q", got)
	}
	if got := l.command(t, "postmortem"); !strings.Contains(got, "Draft") {
		t.Errorf("/tacoma postmortem answered %q", got)
	}
	if got := l.command(t, "postmortem done"); !strings.Contains(got, "is final") {
		t.Errorf("/tacoma postmortem done answered %q", got)
	}

	am, err := os.ReadFile("../../knowledge/alert/testdata/am-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	am = bytes.ReplaceAll(am, []byte("Pod is crash looping."), []byte("Pod is crash looping, "+marker+"."))
	if got := l.webhook(t, "/hooks/alertmanager", "Bearer "+testSecrets()["TACOMA_ALERTMANAGER_TOKENS"], am); got != http.StatusAccepted {
		t.Errorf("alert webhook = %d, want 202", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	posted, err := l.emu.WaitMessage(ctx, func(m slackemu.Message) bool {
		return m.BotID == l.app.BotID && m.ThreadTS == "" && strings.Contains(m.Text, "KubePodCrashLooping")
	})
	if err != nil {
		t.Fatalf("alert group never posted: %v", err)
	}
	l.waitReply(t, l.alerts.ID, posted.TS) // the matches, in its thread
	if got := l.webhook(t, "/hooks/alertmanager", "Bearer "+wrongToken, am); got != http.StatusUnauthorized {
		t.Errorf("webhook with a wrong token = %d, want 401", got)
	}
	l.settle(t)
}

// TestLogsHoldNoSecretsNorMessageText runs the scenario at log level info and checks that no
// token, webhook credential, presented credential or text people or alerts wrote reaches a log.
func TestLogsHoldNoSecretsNorMessageText(t *testing.T) {
	l := startLive(t)
	scenario(t, l)
	_, metrics := l.get(t, "/metrics")
	_, ready := l.get(t, "/readyz")
	if err := l.stop(); err != nil {
		t.Fatalf("run() = %v, want nil", err)
	}
	logs := l.logs.String()
	for _, want := range []string{`"msg":"reply posted"`, `"msg":"alert group posted"`, `"msg":"webhook rejected"`, `"msg":"postmortem drafted"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %s: the capture proves nothing\n%s", want, logs)
		}
	}
	forbidden := map[string]string{
		"the app token":                 l.app.AppToken,
		"the bot token":                 l.app.BotToken,
		"the message, command or alert": marker,
		"a presented credential":        wrongToken,
	}
	for k, v := range testSecrets() {
		forbidden[k] = v
		if _, pass, ok := strings.Cut(v, ":"); ok {
			forbidden[k+" password"] = pass
		}
	}
	for what, s := range forbidden {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, s) {
				t.Errorf("%s reached the log: %s", what, line)
			}
		}
		// The metrics and readiness pages face whoever reaches the webhook port.
		for page, body := range map[string]string{"/metrics": metrics, "/readyz": ready} {
			if strings.Contains(body, s) {
				t.Errorf("%s reached %s", what, page)
			}
		}
	}
	if !strings.Contains(metrics, "tacoma_replies_posted_total") {
		t.Fatalf("the /metrics capture proves nothing:\n%.500s", metrics)
	}
}
