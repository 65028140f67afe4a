package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// TestKilledBotAnswersWhatItAckedAfterRestart SIGKILLs a single bot (SQLite) in the middle of a
// burst and starts it again on the same data folder: every message is answered once, including
// those it had acked and not answered (taken over from the work ledger when their lease lapses)
// and those it never acked (redelivered by Slack).
func TestKilledBotAnswersWhatItAckedAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the bot twice")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")), slackemu.WithRetrySchedule(time.Second, 5*time.Second, 30*time.Second))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	user := emu.AddUser("ana", "Ana Lima")
	ch := emu.AddChannel("inc-1", user.ID, app.BotUserID)
	env := []string{
		"SLACK_APP_TOKEN=" + app.AppToken, "SLACK_BOT_TOKEN=" + app.BotToken, "TACOMA_SLACK_API_URL=" + emu.APIURL(),
		"TACOMA_HTTP_ADDR=127.0.0.1:0", "TACOMA_CONFIG=", "TACOMA_DATABASE_URL=", "TACOMA_DATA_DIR=" + t.TempDir(),
	}
	first := startReplica(t, bin, env, "first")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := emu.WaitConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var tss []string
	for i := range 30 {
		if i == 15 {
			first.dead = true
			if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := emu.Post(user.ID, ch.ID, fmt.Sprintf("<@%s> etcd leader keeps changing and the api server times out, case %d", app.BotUserID, i))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}
	startReplica(t, bin, env, "second")
	for {
		var missing, dup []string
		for _, ts := range tss {
			n := 0
			for _, r := range emu.Replies(ch.ID, ts) {
				if r.BotID == app.BotID {
					n++
				}
			}
			if n == 0 {
				missing = append(missing, ts)
			} else if n > 1 {
				dup = append(dup, ts)
			}
		}
		if len(dup) > 0 {
			t.Fatalf("answered twice: %v", dup)
		}
		if len(missing) == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d of %d messages never answered after the restart: %v", len(missing), len(tss), missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKilledImportLeavesAConsistentStore SIGKILLs `tacoma import` mid-way: the store opens, every
// postmortem in it reads back whole, and importing again completes the set.
func TestKilledImportLeavesAConsistentStore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	files := writeImportCorpus(t, src, 170)
	data := t.TempDir()
	cmd := exec.Command(bin, "import", src)
	cmd.Env = append(cmd.Environ(), "TACOMA_DATA_DIR="+data, "TACOMA_DATABASE_URL=", "TACOMA_CONFIG=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond) // mid-way: the whole import takes about half a second
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	st, err := store.Open(context.Background(), filepath.Join(data, "tacoma.db"))
	if err != nil {
		t.Fatalf("store after a killed import: %v", err)
	}
	n := 0
	err = st.EachPostmortem(context.Background(), "", func(p *postmortem.Postmortem) error {
		n++
		if p.ID == "" || p.Title == "" || p.Markdown == "" {
			return fmt.Errorf("postmortem %q read back incomplete", p.ID)
		}
		return nil
	})
	st.Close()
	if err != nil {
		t.Fatalf("store after a killed import: %v", err)
	}
	if n%importBatch != 0 {
		t.Errorf("%d postmortems saved: not whole batches of %d, so a batch was half-saved", n, importBatch)
	}
	t.Logf("%d of %d postmortems saved before the kill", n, files)
	again := exec.Command(bin, "import", src)
	again.Env = append(again.Environ(), "TACOMA_DATA_DIR="+data, "TACOMA_DATABASE_URL=", "TACOMA_CONFIG=")
	if out, err := again.CombinedOutput(); err != nil || !strings.Contains(string(out), fmt.Sprintf("imported %d postmortems", files)) {
		t.Fatalf("import after the kill = %v\n%s", err, out)
	}
}
