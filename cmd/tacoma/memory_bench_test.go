package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// BenchmarkReplicaMemory runs one real bot process (SQLite) against the emulator and reports its
// resident memory idle, and at the peak of a burst of 100 failure messages across 10 channels.
func BenchmarkReplicaMemory(b *testing.B) {
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		emu := slackemu.New(slackemu.WithLogger(zap.NewNop()))
		if err := emu.Start(); err != nil {
			b.Fatal(err)
		}
		app := emu.App()
		user := emu.AddUser("ana", "Ana Lima")
		var chs []string
		for c := range 10 {
			chs = append(chs, emu.AddChannel(fmt.Sprintf("inc-%d", c), user.ID, app.BotUserID).ID)
		}
		rep := startReplicaB(b, bin, []string{
			"SLACK_APP_TOKEN=" + app.AppToken, "SLACK_BOT_TOKEN=" + app.BotToken, "TACOMA_SLACK_API_URL=" + emu.APIURL(),
			"TACOMA_HTTP_ADDR=127.0.0.1:0", "TACOMA_CONFIG=", "TACOMA_DATABASE_URL=",
		})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if err := emu.WaitConnections(ctx, 1); err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		idle := procKB(b, rep.Process.Pid, "VmRSS")
		var tss []string
		for m := range 100 {
			ts, err := emu.Post(user.ID, chs[m%10], fmt.Sprintf("coredns pods OOMKilled and dns lookups time out after 5 seconds, case %d", m))
			if err != nil {
				b.Fatal(err)
			}
			tss = append(tss, chs[m%10]+"/"+ts)
		}
		for _, k := range tss {
			ch, ts, _ := strings.Cut(k, "/")
			if _, err := emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.Channel == ch && m.ThreadTS == ts && m.BotID == app.BotID }); err != nil {
				b.Fatalf("no reply to %s: %v", k, err)
			}
		}
		peak := procKB(b, rep.Process.Pid, "VmHWM")
		cancel()
		_ = rep.Process.Kill()
		_ = rep.Wait()
		emu.Close()
		b.ReportMetric(float64(idle)/1024, "idle-MB")
		b.ReportMetric(float64(peak)/1024, "peak-MB")
	}
}

func startReplicaB(b *testing.B, bin string, env []string) *exec.Cmd {
	b.Helper()
	cmd := exec.Command(bin, "run")
	cmd.Env = append(append(os.Environ(), env...), "TACOMA_DATA_DIR="+b.TempDir())
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd
}

// procKB reads a field such as VmRSS from /proc/PID/status, in kB.
func procKB(b *testing.B, pid int, field string) int {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("%s not in /proc/%d/status", field, pid)
	return 0
}
