package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/handlers/internal/amtest"
)

// TestRealAlertmanager drives the receiver with a real Alertmanager (v0.31.1, built from its
// module) through its own webhook with a bearer token; alerts are injected with amtool.
func TestRealAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Alertmanager")
	}
	amtest.Binaries(t) // build (or skip loudly) before the stack starts
	r := startReceivers(t, handlers.DefaultAlertsConfig())
	am := amtest.Start(t, amtest.Config{WebhookURL: r.srv.URL + "/hooks/alertmanager", BearerToken: amToken})

	labels := func(pod string) map[string]string {
		return map[string]string{"alertname": "KubePodCrashLooping", "namespace": "kube-system", "container": "coredns", "pod": pod, "severity": "warning"}
	}
	ann := map[string]string{"summary": "Pod is crash looping.", "description": "CoreDNS pod is in waiting state (reason: CrashLoopBackOff), last terminated OOMKilled"}
	am.Fire(t, labels("coredns-a"), ann)
	am.Fire(t, labels("coredns-b"), ann)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	msg, err := r.emu.WaitMessage(ctx, func(m slackemu.Message) bool {
		return m.Channel == r.alerts.ID && m.BotID == r.app.BotID && (m.ThreadTS == "" || m.ThreadTS == m.TS)
	})
	if err != nil {
		t.Fatalf("no group message from Alertmanager's notification: %v", err)
	}
	if !strings.Contains(msg.Text, "FIRING: KubePodCrashLooping") {
		t.Errorf("group message = %q", msg.Text)
	}
	reply, err := r.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.ThreadTS == msg.TS && m.TS != msg.TS })
	if err != nil {
		t.Fatalf("no matches in the thread: %v", err)
	}
	if got, _ := bot.BlocksText(reply.Blocks); !strings.Contains(got, "alert KubePodCrashLooping is one this failure fires") {
		t.Errorf("thread reply:\n%s", got)
	}

	am.Fire(t, labels("coredns-c"), ann)
	waitText(t, r, msg.TS, "3 firing")
	for _, p := range []string{"coredns-a", "coredns-b", "coredns-c"} {
		am.Resolve(t, labels(p))
	}
	waitText(t, r, msg.TS, "RESOLVED")

	tops := 0
	for _, m := range r.emu.Messages(r.alerts.ID) {
		if m.BotID == r.app.BotID {
			tops++
		}
	}
	if tops != 1 {
		t.Errorf("%d top-level messages for one alert group, want 1", tops)
	}
}
