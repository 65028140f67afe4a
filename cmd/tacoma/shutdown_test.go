package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// TestSIGTERMFinishesAckedWorkAndExitsZero runs the real binary against the emulator, sends
// SIGTERM in the middle of a burst of messages and while a webhook's body is still arriving,
// and checks the shutdown: every envelope Slack saw acked gets its reply, the webhook gets its
// answer, the Socket Mode connection ends with a close frame, and the process exits 0 within
// the drain deadline.
func TestSIGTERMFinishesAckedWorkAndExitsZero(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	emu := slackemu.New(
		slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")),
		slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown method %s", m) }),
	)
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	user := emu.AddUser("bob", "Bob Oncall")
	ch := emu.AddChannel("inc-9", user.ID, app.BotUserID)
	emu.AddChannel("alerts", user.ID, app.BotUserID)

	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(),
		"SLACK_APP_TOKEN="+app.AppToken, "SLACK_BOT_TOKEN="+app.BotToken,
		"TACOMA_SLACK_API_URL="+emu.APIURL(), "TACOMA_DATA_DIR="+t.TempDir(),
		"TACOMA_HTTP_ADDR=127.0.0.1:0", "TACOMA_ALERTS_CHANNEL=#alerts",
		"TACOMA_ALERTMANAGER_TOKENS="+testSecrets()["TACOMA_ALERTMANAGER_TOKENS"],
	)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	var base string
	eventually(t, "the HTTP listener", func() bool { base = listenAddr(logs.String()); return base != "" })
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v\n%s", err, logs.String())
	}

	// A webhook whose body is half sent when the signal comes.
	am, err := os.ReadFile("../../knowledge/alert/testdata/am-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	body, bodyW := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, base+"/hooks/alertmanager", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(am))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testSecrets()["TACOMA_ALERTMANAGER_TOKENS"])
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("webhook in flight: %v", err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	if _, err := bodyW.Write(am[:len(am)/2]); err != nil {
		t.Fatal(err)
	}

	const burst = 40
	var mu sync.Mutex
	posted := map[string]bool{}
	var posting sync.WaitGroup
	posting.Go(func() {
		for range burst {
			ts, err := emu.Post(user.ID, ch.ID, "kubectl hangs and etcd leader keeps changing, api server timeouts")
			if err != nil {
				t.Errorf("post: %v", err)
				return
			}
			mu.Lock()
			posted[ts] = true
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	})
	ackedOfBurst := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, e := range emu.Envelopes().Envelopes {
			if e.Acked && posted[e.TS] {
				n++
			}
		}
		return n
	}
	eventually(t, "the burst under way", func() bool { return ackedOfBurst() >= 10 })
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the listener closes; this request is already in
	if _, err := bodyW.Write(am[len(am)/2:]); err != nil {
		t.Fatal(err)
	}
	_ = bodyW.Close()

	select {
	case <-exited:
	case <-time.After(2 * bot.DefaultDrainTimeout):
		_ = cmd.Process.Signal(syscall.SIGQUIT) // its goroutines go to the log below
		<-exited
		t.Fatalf("still running %s after SIGTERM\n%s", 2*bot.DefaultDrainTimeout, logs.String())
	}
	took := time.Since(signalled)
	posting.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, logs.String())
	}
	if took > bot.DefaultDrainTimeout {
		t.Errorf("exited %s after SIGTERM, past the %s drain deadline", took, bot.DefaultDrainTimeout)
	}
	if got := <-answered; got != http.StatusAccepted {
		t.Errorf("webhook in flight at SIGTERM got %d, want 202", got)
	}
	if got, want := emu.SocketCloses(), (slackemu.SocketCloses{Clean: 1}); got != want {
		t.Errorf("SocketCloses() = %+v, want %+v: a close frame, not a dropped connection", got, want)
	}

	mu.Lock()
	defer mu.Unlock()
	acked := 0
	for _, e := range emu.Envelopes().Envelopes {
		if e.Type != "events_api" || !e.Acked || !posted[e.TS] {
			continue
		}
		acked++
		if !repliedTo(emu.Replies(ch.ID, e.TS), app.BotID) {
			t.Errorf("message %s was acked but never answered", e.TS)
		}
	}
	t.Logf("SIGTERM after %d of %d messages were acked; exited %s later", acked, burst, took.Round(time.Millisecond))
	if acked < 10 || acked == burst {
		t.Errorf("%d of %d messages acked, want the 10 or more acked before the signal and not those posted after the exit", acked, burst)
	}
	if strings.Contains(logs.String(), "shutdown deadline passed") {
		t.Errorf("in-flight work was cut short:\n%s", logs.String())
	}
}

func repliedTo(replies []slackemu.Message, botID string) bool {
	for _, r := range replies {
		if r.BotID == botID && bytes.Contains([]byte(r.Text), []byte("Similar past outages")) {
			return true
		}
	}
	return false
}
