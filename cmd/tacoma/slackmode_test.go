package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// TestRunConnectsToSlack runs the binary's main job with tokens set, against the emulator
// through TACOMA_SLACK_API_URL as a GovSlack or proxy deployment would: it connects, answers in
// thread, and returns nil when cancelled.
func TestRunConnectsToSlack(t *testing.T) {
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t)), slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown method %s", m) }))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	user := emu.AddUser("bob", "Bob Oncall")
	ch := emu.AddChannel("inc-7", user.ID, app.BotUserID)
	t.Setenv("SLACK_APP_TOKEN", app.AppToken)
	t.Setenv("SLACK_BOT_TOKEN", app.BotToken)
	t.Setenv("TACOMA_SLACK_API_URL", emu.APIURL())
	t.Setenv("TACOMA_DATA_DIR", t.TempDir())
	t.Setenv("TACOMA_HTTP_ADDR", "127.0.0.1:0")

	ctx, cancel := context.WithCancel(context.Background())
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, strings.NewReader(""), &strings.Builder{}, &lockedWriter{w: &stderr})
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		cancel()
		t.Fatalf("bot did not connect: %v (%v)", err, <-done)
	}
	ts, err := emu.Post(user.ID, ch.ID, "kubectl hangs and etcd leader keeps changing, api server timeouts")
	if err != nil {
		t.Fatal(err)
	}
	m, err := emu.WaitMessage(wctx, func(m slackemu.Message) bool { return m.ThreadTS == ts && m.BotID == app.BotID })
	if err != nil {
		t.Fatalf("no threaded reply: %v", err)
	}
	if !strings.Contains(m.Text, "Similar past outages") {
		t.Errorf("reply text = %q", m.Text)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run() = %v, want nil after cancel", err)
	}
	if strings.Contains(stderr.String(), app.BotToken) || strings.Contains(stderr.String(), app.AppToken) {
		t.Error("a token reached the logs")
	}
	if !strings.Contains(stderr.String(), `"msg":"connected to slack"`) {
		t.Errorf("logs are not zap JSON or lack the connection: %s", stderr.String())
	}
}
