package handlers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge/store"
	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

// amVariant is the Alertmanager fixture with its alerts' status set and n alerts in all.
func amVariant(t *testing.T, status string, n int) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(readFile(t, "testdata/am-firing.json"), &d); err != nil {
		t.Fatal(err)
	}
	alerts := d["alerts"].([]any)
	for len(alerts) < n {
		extra := map[string]any{}
		b, _ := json.Marshal(alerts[0])
		_ = json.Unmarshal(b, &extra)
		extra["fingerprint"] = "extra" + strings.Repeat("9", len(alerts))
		extra["labels"].(map[string]any)["pod"] = "coredns-extra-" + strings.Repeat("x", len(alerts))
		alerts = append(alerts, extra)
	}
	for _, a := range alerts {
		a.(map[string]any)["status"] = status
		if status == "resolved" {
			a.(map[string]any)["endsAt"] = time.Now().UTC().Format(time.RFC3339)
		}
	}
	d["alerts"], d["status"] = alerts, status
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAlertGroupSharedByReplicasIsOneMessage(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	s := startStack(t, zaptest.NewLogger(t), 1)
	replica := func() receivers {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return startReceiversShared(t, receivers{stack: s, alerts: s.chs[0]}, st)
	}
	a, b := replica(), replica()
	auth := map[string]string{"Authorization": "Bearer " + amToken}
	// Deliveries of one group land on either replica, as behind a Service.
	for i, r := range []receivers{a, b, a, b} {
		if status, body := r.post(t, "/hooks/alertmanager", amVariant(t, "firing", 2+i), auth); status != 202 {
			t.Fatalf("delivery %d = %d %s", i, status, body)
		}
	}
	ch := s.chs[0].ID
	waitFor(t, func() bool {
		ms := topLevel(s.emu.Messages(ch), s.app.BotID)
		return len(ms) == 1 && strings.Contains(ms[0].Text, "FIRING")
	})
	if status, body := b.post(t, "/hooks/alertmanager", amVariant(t, "resolved", 5), auth); status != 202 {
		t.Fatalf("resolve = %d %s", status, body)
	}
	waitFor(t, func() bool {
		ms := topLevel(s.emu.Messages(ch), s.app.BotID)
		return len(ms) == 1 && strings.Contains(ms[0].Text, "RESOLVED")
	})
	ms := topLevel(s.emu.Messages(ch), s.app.BotID)
	text, _ := bot.BlocksText(ms[0].Blocks)
	if !strings.Contains(text, "0 firing*, 5 resolved") {
		t.Errorf("the one message does not show all five alerts resolved:\n%s", text)
	}
}

func startReceiversShared(t *testing.T, r receivers, gs handlers.GroupStore) receivers {
	t.Helper()
	cfg := handlers.DefaultAlertsConfig()
	cfg.Channel = "#" + r.chs[0].Name
	a, err := handlers.NewAlerts(cfg, handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}}, r.bot, r.idx, zaptest.NewLogger(t).Named("alerts"))
	if err != nil {
		t.Fatal(err)
	}
	a.ShareGroups(gs)
	return runReceivers(t, r, a)
}

func topLevel(ms []slackemu.Message, botID string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range ms {
		if m.BotID == botID && (m.ThreadTS == "" || m.ThreadTS == m.TS) {
			out = append(out, m)
		}
	}
	return out
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
