package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
)

const (
	amToken   = "am-token-1"
	grafanaK  = "grafana-hmac-secret"
	pdSecretA = "pd-secret-A"
	pdSecretB = "pd-secret-B"
)

type receivers struct {
	stack
	srv    *httptest.Server
	alerts slackemu.Channel
}

func startReceivers(t *testing.T, cfg handlers.AlertsConfig) receivers {
	t.Helper()
	s := startStack(t, zaptest.NewLogger(t), 2)
	secrets := handlers.AlertSecrets{
		AlertmanagerTokens: []bot.Secret{"old-token", amToken},
		AlertmanagerBasic:  []bot.Secret{"am:s3cret"},
		Grafana:            []bot.Secret{grafanaK},
		PagerDuty:          []bot.Secret{pdSecretA},
	}
	return startReceiversWith(t, receivers{stack: s, alerts: s.chs[0]}, cfg, secrets)
}

func (r receivers) post(t *testing.T, path string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func hmacHex(key string, msg []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiversAnswerEveryRequestRightly(t *testing.T) {
	r := startReceivers(t, handlers.DefaultAlertsConfig())
	am := readFile(t, "testdata/am-firing.json")
	gf := readFile(t, "../knowledge/alert/testdata/grafana-firing.json")
	pd := readFile(t, "../knowledge/alert/testdata/pd-triggered.json")
	now := strconv.FormatInt(time.Now().Unix(), 10)
	stale := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	tests := []struct {
		name   string
		path   string
		body   []byte
		hdr    map[string]string
		status int
		want   string
	}{
		{"alertmanager bearer", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer " + amToken}, 202, "accepted"},
		{"alertmanager redelivery", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer " + amToken}, 200, "duplicate"},
		{"alertmanager rotated token", "/hooks/alertmanager", bytes.Replace(am, []byte(`"truncatedAlerts":0`), []byte(`"truncatedAlerts":3`), 1), map[string]string{"Authorization": "Bearer old-token"}, 202, "accepted"},
		{"alertmanager basic auth", "/hooks/alertmanager", bytes.Replace(am, []byte(`"truncatedAlerts":0`), []byte(`"truncatedAlerts":4`), 1), map[string]string{"Authorization": "Basic YW06czNjcmV0"}, 202, "accepted"},
		{"alertmanager wrong token", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"alertmanager no auth", "/hooks/alertmanager", am, nil, 401, "unauthorized"},
		{"wrong content type", "/hooks/alertmanager", am, map[string]string{"Authorization": "Bearer " + amToken, "Content-Type": "text/plain"}, 415, "want Content-Type application/json"},
		{"malformed", "/hooks/alertmanager", []byte(`{"version":"4","alerts":[{"status":"burning","labels":{"a":"b"}}]}`), map[string]string{"Authorization": "Bearer " + amToken}, 400, `alerts[0].status: want \"firing\" or \"resolved\"`},
		{"truncated body", "/hooks/alertmanager", am[:300], map[string]string{"Authorization": "Bearer " + amToken}, 400, "truncated JSON"},
		{"oversized", "/hooks/alertmanager", bytes.Repeat([]byte(" "), 5<<20), map[string]string{"Authorization": "Bearer " + amToken}, 413, "body larger than"},
		{"grafana signed", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Signature": hmacHex(grafanaK, gf)}, 202, "accepted"},
		{"grafana signed with timestamp", "/hooks/grafana", bytes.Replace(gf, []byte(`"truncatedAlerts":0`), []byte(`"truncatedAlerts":1`), 1), map[string]string{"X-Grafana-Alerting-Timestamp": now, "X-Grafana-Alerting-Signature": hmacHex(grafanaK, append([]byte(now+":"), bytes.Replace(gf, []byte(`"truncatedAlerts":0`), []byte(`"truncatedAlerts":1`), 1)...))}, 202, "accepted"},
		{"grafana replayed timestamp", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Timestamp": stale, "X-Grafana-Alerting-Signature": hmacHex(grafanaK, append([]byte(stale+":"), gf...))}, 401, "stale signature timestamp"},
		{"grafana bad signature", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Signature": hmacHex("other", gf)}, 401, "unauthorized"},
		{"grafana body changed after signing", "/hooks/grafana", append([]byte(" "), gf...), map[string]string{"X-Grafana-Alerting-Signature": hmacHex(grafanaK, gf)}, 401, "unauthorized"},
		{"pagerduty rotation", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretB, pd) + ",v1=" + hmacHex(pdSecretA, pd), "X-Webhook-Id": "wh-1", "Content-Type": ""}, 202, "accepted"},
		{"pagerduty retry", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretA, pd), "X-Webhook-Id": "wh-1"}, 200, "duplicate"},
		{"pagerduty unsigned", "/hooks/pagerduty", pd, map[string]string{"X-Webhook-Id": "wh-2"}, 401, "unauthorized"},
		{"unknown shape", "/hooks/pagerduty", []byte(`{"event":{"data":{}}}`), map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretA, []byte(`{"event":{"data":{}}}`))}, 400, "event.event_type: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := r.post(t, tt.path, tt.body, tt.hdr)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("POST %s = %d %s, want %d containing %q", tt.path, status, body, tt.status, tt.want)
			}
		})
	}
	resp, err := http.Get(r.srv.URL + "/hooks/alertmanager")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}
}

func amGroup(status string, pods ...string) []byte {
	var alerts []string
	for _, p := range pods {
		ends := "0001-01-01T00:00:00Z"
		if status == "resolved" {
			ends = "2026-11-25T10:30:00Z"
		}
		alerts = append(alerts, fmt.Sprintf(`{"status":%q,"labels":{"alertname":"KubePodCrashLooping","namespace":"kube-system","container":"coredns","pod":%q,"severity":"warning"},"annotations":{"summary":"Pod is crash looping.","description":"Pod kube-system/%s (coredns) is in waiting state (reason: \"CrashLoopBackOff\")."},"startsAt":"2026-11-25T10:00:00Z","endsAt":%q,"generatorURL":"http://prometheus/graph","fingerprint":%q}`, status, p, p, ends, "fp-"+p))
	}
	return []byte(fmt.Sprintf(`{"receiver":"tacoma","status":%q,"alerts":[%s],"groupLabels":{"alertname":"KubePodCrashLooping","namespace":"kube-system"},"commonLabels":{"alertname":"KubePodCrashLooping","namespace":"kube-system","container":"coredns","severity":"warning"},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"KubePodCrashLooping\", namespace=\"kube-system\"}","truncatedAlerts":0}`+"\n", status, strings.Join(alerts, ",")))
}

func TestAlertGroupIsOneMessageUpdatedInPlace(t *testing.T) {
	r := startReceivers(t, handlers.DefaultAlertsConfig())
	auth := map[string]string{"Authorization": "Bearer " + amToken}
	if st, body := r.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-a"), auth); st != 202 {
		t.Fatalf("first delivery = %d %s", st, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg, err := r.emu.WaitMessage(ctx, func(m slackemu.Message) bool {
		return m.Channel == r.alerts.ID && m.BotID == r.app.BotID && (m.ThreadTS == "" || m.ThreadTS == m.TS)
	})
	if err != nil {
		t.Fatalf("no group message: %v", err)
	}
	if !strings.Contains(msg.Text, "FIRING: KubePodCrashLooping") {
		t.Errorf("group message = %q", msg.Text)
	}
	reply, err := r.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.ThreadTS == msg.TS && m.TS != msg.TS })
	if err != nil {
		t.Fatalf("no matches in the thread: %v", err)
	}
	if got, _ := bot.BlocksText(reply.Blocks); !strings.Contains(got, "Total DNS outage") && !strings.Contains(got, "DNS") {
		t.Errorf("thread reply does not point at the CoreDNS stories:\n%s", got)
	}
	// More alerts of the group, then the resolve: the same message changes, nothing new is posted.
	r.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-a", "coredns-b", "coredns-c"), auth)
	waitText(t, r, msg.TS, "3 firing")
	r.post(t, "/hooks/alertmanager", amGroup("resolved", "coredns-a", "coredns-b", "coredns-c"), auth)
	final := waitText(t, r, msg.TS, "RESOLVED")
	if !final.Edited {
		t.Error("the group message was not edited")
	}
	tops := 0
	for _, m := range r.emu.Messages(r.alerts.ID) {
		if m.BotID == r.app.BotID {
			tops++
		}
	}
	if tops != 1 {
		t.Errorf("%d top-level bot messages in the alerts channel, want 1", tops)
	}
}

func waitText(t *testing.T, r receivers, ts, want string) slackemu.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range r.emu.Messages(r.alerts.ID) {
			if m.TS == ts && strings.Contains(m.Text+string(m.Blocks), want) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("message %s never said %q", ts, want)
	return slackemu.Message{}
}

func TestAlertRouting(t *testing.T) {
	cfg := handlers.DefaultAlertsConfig()
	r := startReceivers(t, cfg)
	cfg.Routes = []handlers.AlertRoute{{Match: map[string]string{"namespace": "kube-system"}, Channel: "#" + r.chs[1].Name}}
	routed := startReceiversWith(t, r, cfg, handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}})
	routed.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-z"), map[string]string{"Authorization": "Bearer " + amToken})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.Channel == r.chs[1].ID && m.BotID == r.app.BotID }); err != nil {
		t.Fatalf("alert not routed to #%s: %v", r.chs[1].Name, err)
	}
}

// startReceiversWith starts a receiver set with cfg and secrets on an existing stack.
func startReceiversWith(t *testing.T, r receivers, cfg handlers.AlertsConfig, secrets handlers.AlertSecrets) receivers {
	t.Helper()
	if cfg.Channel == "" {
		cfg.Channel = "#" + r.chs[0].Name
	}
	a, err := handlers.NewAlerts(cfg, secrets, r.bot, r.idx, zaptest.NewLogger(t).Named("alerts"))
	if err != nil {
		t.Fatal(err)
	}
	return runReceivers(t, r, a)
}

// runReceivers runs a's workers and serves its webhooks until the test ends.
func runReceivers(t *testing.T, r receivers, a *handlers.Alerts) receivers {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx, 2); close(done) }()
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	r.srv = srv
	return r
}
