package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

// replica is one bot process.
type replica struct {
	cmd  *exec.Cmd
	addr chan string // the alert receivers' address, once listening
	http string
	dead bool
}

// binDir holds the binary buildBinary built; TestMain removes it.
var binDir string

// buildBinary builds the tacoma command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tacoma-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "tacoma")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func startReplica(t *testing.T, bin string, env []string, name string) *replica {
	t.Helper()
	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(), "TACOMA_DATA_DIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...) // a TACOMA_DATA_DIR in env wins: the last value counts
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{cmd: cmd, addr: make(chan string, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !r.dead {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
		_ = cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "alert receivers listening" {
				r.addr <- line.Addr
			}
			if testing.Verbose() {
				t.Logf("%s: %s", name, sc.Text())
			}
		}
	}()
	select {
	case r.http = <-r.addr:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start listening", name)
	}
	return r
}

// TestReplicasAnswerEachEventOnceThroughAKill runs three bot processes on one PostgreSQL
// database against the emulator, streams messages, slash commands and alerts at them, and kills
// one with SIGKILL halfway: every message is answered once, every command once, and every alert
// group has one message.
func TestReplicasAnswerEachEventOnceThroughAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and a PostgreSQL cluster")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.NewDatabase(t)
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")), slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown method %s", m) }))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	user := emu.AddUser("ana", "Ana Lima")
	var chs []slackemu.Channel
	for i := range 4 {
		chs = append(chs, emu.AddChannel(fmt.Sprintf("inc-%d", i), user.ID, app.BotUserID))
	}
	alerts := emu.AddChannel("alerts", user.ID, app.BotUserID)
	const token = "am-token-for-replicas"
	env := []string{
		"SLACK_APP_TOKEN=" + app.AppToken, "SLACK_BOT_TOKEN=" + app.BotToken, "TACOMA_SLACK_API_URL=" + emu.APIURL(),
		"TACOMA_DATABASE_URL=" + dsn, "TACOMA_HTTP_ADDR=127.0.0.1:0", "TACOMA_ALERTMANAGER_TOKENS=" + token,
		"TACOMA_ALERTS_CHANNEL=#alerts", "TACOMA_CONFIG=",
	}
	var reps []*replica
	for i := range 3 {
		reps = append(reps, startReplica(t, bin, env, fmt.Sprintf("replica-%d", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := emu.WaitConnections(ctx, 3); err != nil {
		t.Fatalf("replicas did not connect: %v", err)
	}

	am := readAlertFixture(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var messages []string // channel/ts
	var calls []*slackemu.CommandCall
	groups := map[string]bool{}
	const events = 60
	for i := range events {
		if i == events/2 {
			reps[0].dead = true
			if err := reps[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			t.Log("replica-0 killed")
		}
		ch := chs[i%len(chs)].ID
		switch {
		case i%6 == 5:
			call, err := emu.Command(user.ID, ch, "/tacoma", "search coredns OOMKilled")
			if err != nil {
				t.Fatal(err)
			}
			calls = append(calls, call)
		case i%10 == 3:
			g := fmt.Sprintf("group-%d", i/20)
			groups[g] = true
			deliverAlert(t, reps, rng, token, bytes.ReplaceAll(am, []byte(`KubePodCrashLooping\"}`), []byte(`KubePodCrashLooping\",replica_test=\"`+g+`\"}`)), i)
		default:
			ts, err := emu.Post(user.ID, ch, fmt.Sprintf("<@%s> coredns pods OOMKilled and dns lookups time out, case %d", app.BotUserID, i))
			if err != nil {
				t.Fatal(err)
			}
			messages = append(messages, ch+"/"+ts)
		}
		time.Sleep(40 * time.Millisecond)
	}

	// A killed replica's work is taken over once its lease lapses (15 s).
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing, dup := check(emu, app, messages, calls, alerts.ID, len(groups))
		if len(dup) > 0 {
			t.Fatalf("answered more than once: %v", dup)
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not answered within 60 s: %v", missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Late duplicates would show up now, after takeover.
	time.Sleep(3 * time.Second)
	if _, dup := check(emu, app, messages, calls, alerts.ID, len(groups)); len(dup) > 0 {
		t.Fatalf("answered more than once: %v", dup)
	}
	t.Logf("%d messages, %d commands, %d alert groups: each answered once", len(messages), len(calls), len(groups))
}

// check lists what is not answered yet and what was answered more than once.
func check(emu *slackemu.Server, app slackemu.App, messages []string, calls []*slackemu.CommandCall, alertsCh string, groups int) (missing, dup []string) {
	for _, key := range messages {
		ch, ts, _ := strings.Cut(key, "/")
		n := 0
		for _, r := range emu.Replies(ch, ts) {
			if r.BotID == app.BotID && r.TS != ts {
				n++
			}
		}
		switch {
		case n == 0:
			missing = append(missing, "message "+key)
		case n > 1:
			dup = append(dup, fmt.Sprintf("message %s: %d replies", key, n))
		}
	}
	for i, c := range calls {
		switch n := len(c.Responses()); {
		case n == 0:
			missing = append(missing, fmt.Sprintf("command %d", i))
		case n > 1:
			dup = append(dup, fmt.Sprintf("command %d: %d responses", i, n))
		}
	}
	top := 0
	for _, m := range emu.Messages(alertsCh) {
		if m.BotID == app.BotID && (m.ThreadTS == "" || m.ThreadTS == m.TS) {
			top++
		}
	}
	switch {
	case top < groups:
		missing = append(missing, fmt.Sprintf("alert groups: %d of %d messages", top, groups))
	case top > groups:
		dup = append(dup, fmt.Sprintf("alert groups: %d messages for %d groups", top, groups))
	}
	return missing, dup
}

// deliverAlert posts a webhook to a live replica, moving to another when one is down, as
// Alertmanager retries behind a Service.
func deliverAlert(t *testing.T, reps []*replica, rng *rand.Rand, token string, body []byte, i int) {
	t.Helper()
	for try := range 10 {
		r := reps[rng.IntN(len(reps))]
		req, _ := http.NewRequest("POST", "http://"+r.http+"/hooks/alertmanager", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // a killed replica: try another
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return
		}
		t.Logf("alert %d try %d: %d %s", i, try, resp.StatusCode, b)
	}
	t.Fatalf("alert %d not accepted by any replica", i)
}

func readAlertFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../handlers/testdata/am-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
