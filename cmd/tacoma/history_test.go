package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// historyLine is the fields of the log line that says how the index was loaded.
type historyLine struct {
	Index       string `json:"index"`
	Reason      string `json:"reason"`
	Postmortems int    `json:"postmortems"`
	Indexed     int    `json:"indexed"`
}

// booted is `tacoma run` in Slack mode on one data folder, against its own emulator.
type booted struct {
	emu     *slackemu.Server
	app     slackemu.App
	user    slackemu.User
	channel slackemu.Channel
	logs    *syncBuffer
	stop    func() error
}

// boot runs the bot on data until it has loaded the team's history and connected.
func boot(t *testing.T, data string) *booted {
	t.Helper()
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")), slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown method %s", m) }))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	b := &booted{emu: emu, app: emu.App(), logs: &syncBuffer{}}
	b.user = emu.AddUser("ana", "Ana Lima")
	b.channel = emu.AddChannel("inc-9", b.user.ID, b.app.BotUserID)
	t.Setenv("SLACK_APP_TOKEN", b.app.AppToken)
	t.Setenv("SLACK_BOT_TOKEN", b.app.BotToken)
	t.Setenv("TACOMA_SLACK_API_URL", emu.APIURL())
	t.Setenv("TACOMA_DATA_DIR", data)
	t.Setenv("TACOMA_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("TACOMA_CONFIG", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run"}, strings.NewReader(""), &strings.Builder{}, b.logs) }()
	var result error
	stopped := false
	b.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = b.stop() })
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v (%v)\n%s", err, b.stop(), b.logs)
	}
	return b
}

// loaded returns the fields of the "team history loaded" line.
func (b *booted) loaded(t *testing.T) historyLine {
	t.Helper()
	for _, line := range strings.Split(b.logs.String(), "\n") {
		var l struct {
			Msg string `json:"msg"`
			historyLine
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "team history loaded" {
			return l.historyLine
		}
	}
	t.Fatalf("no \"team history loaded\" line in the log:\n%s", b.logs)
	return historyLine{}
}

// search runs /tacoma search and returns the text of its answer.
func (b *booted) search(t *testing.T, text string) string {
	t.Helper()
	call, err := b.emu.Command(b.user.ID, b.channel.ID, "/tacoma", "search "+text)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	eventually(t, "an answer to /tacoma search", func() bool {
		rs := call.Responses()
		if len(rs) == 0 {
			return false
		}
		var body struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(rs[0], &body); err != nil {
			t.Fatal(err)
		}
		blocks, _ := bot.BlocksText(body.Blocks)
		got = body.Text + "\n" + blocks
		return true
	})
	return got
}

// teamPostmortem is a finished postmortem with words no catalog story has.
func teamPostmortem(id, title, word string) *postmortem.Postmortem {
	return &postmortem.Postmortem{
		ID: id, Title: title, Status: postmortem.Final, Source: postmortem.FromImport,
		Summary:   "The " + word + " service stopped answering after its cache filled up.",
		RootCause: "The " + word + " cache had no eviction and its pods ran out of memory.",
		Markdown:  "# " + title + "\n\nThe " + word + " service stopped answering.\n",
	}
}

// saveToStore saves postmortems into the SQLite store of data while the bot is down.
func saveToStore(t *testing.T, data string, ps ...*postmortem.Postmortem) {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(data, "tacoma.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SavePostmortems(t.Context(), ps); err != nil {
		t.Fatal(err)
	}
}

// TestRestartReusesTheIndex starts the bot on a store with two postmortems, stops it, changes
// something, and starts it again: the log line says whether the persisted index was reused,
// caught up or rebuilt and why, and /tacoma search finds the postmortems either way.
func TestRestartReusesTheIndex(t *testing.T) {
	first := teamPostmortem("pm-quokka", "Quokka ledger stopped answering", "quokka")
	second := teamPostmortem("pm-wombat", "Wombat queue stopped answering", "wombat")
	late := teamPostmortem("pm-axolotl", "Axolotl gateway stopped answering", "axolotl")
	tests := []struct {
		name       string
		between    func(t *testing.T, data string)
		want       historyLine
		wantReason string // a part of the reason
		find       string // the title a search for its animal finds
	}{{
		name:    "same store",
		between: func(*testing.T, string) {},
		want:    historyLine{Index: indexReopened, Postmortems: 2},
		find:    first.Title,
	}, {
		name:    "imported while down",
		between: func(t *testing.T, data string) { saveToStore(t, data, late) },
		want:    historyLine{Index: indexCaughtUp, Postmortems: 3, Indexed: 1},
		find:    late.Title,
	}, {
		name: "a postmortem deleted from the store",
		between: func(t *testing.T, data string) {
			db, err := sql.Open("sqlite", filepath.Join(data, "tacoma.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`DELETE FROM postmortems WHERE id = ?`, second.ID); err != nil {
				t.Fatal(err)
			}
		},
		want:       historyLine{Index: indexRebuilt, Postmortems: 1, Indexed: 1},
		wantReason: "the index holds 2 postmortems, the store 1",
		find:       first.Title,
	}, {
		name: "a corrupt index",
		between: func(t *testing.T, data string) {
			if err := os.WriteFile(filepath.Join(data, "index", "store", "root.bolt"), []byte("not a bolt file at all"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		want:       historyLine{Index: indexRebuilt, Postmortems: 2, Indexed: 2},
		wantReason: "discarded: unreadable",
		find:       second.Title,
	}, {
		name: "another store",
		between: func(t *testing.T, data string) {
			other := filepath.Join(t.TempDir(), "other.db")
			saveToStore(t, filepath.Dir(other), teamPostmortem("pm-other", "Other store", "other"))
			if err := os.Rename(filepath.Join(filepath.Dir(other), "tacoma.db"), other); err != nil {
				t.Fatal(err)
			}
			t.Setenv("TACOMA_DATABASE_URL", other) // not a postgres:// URL: an SQLite file
		},
		want:       historyLine{Index: indexRebuilt, Postmortems: 1, Indexed: 1},
		wantReason: "filled from another store",
		find:       "Other store",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TACOMA_DATABASE_URL", "")
			data := t.TempDir()
			saveToStore(t, data, first, second)
			b := boot(t, data)
			if got, want := b.loaded(t), (historyLine{Index: indexRebuilt, Reason: "no index on disk", Postmortems: 2, Indexed: 2}); got != want {
				t.Fatalf("first start: history = %+v, want %+v", got, want)
			}
			if err := b.stop(); err != nil {
				t.Fatalf("run() = %v", err)
			}
			tt.between(t, data)
			b = boot(t, data)
			got := b.loaded(t)
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("second start: reason = %q, want it to say %q", got.Reason, tt.wantReason)
			}
			got.Reason = ""
			if got != tt.want {
				t.Errorf("second start: history = %+v, want %+v", got, tt.want)
			}
			animal := strings.Fields(tt.find)[0]
			if ans := b.search(t, strings.ToLower(animal)+" stopped answering"); !strings.Contains(ans, tt.find) {
				t.Errorf("/tacoma search %s = %q, want %q in it", animal, ans, tt.find)
			}
		})
	}
}

// TestSecondProcessOnTheSameDataDir starts the binary twice on one data folder: the second
// exits at once, naming the index folder the first holds.
func TestSecondProcessOnTheSameDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	data := t.TempDir()
	env := []string{
		"SLACK_APP_TOKEN=" + app.AppToken, "SLACK_BOT_TOKEN=" + app.BotToken, "TACOMA_SLACK_API_URL=" + emu.APIURL(),
		"TACOMA_HTTP_ADDR=127.0.0.1:0", "TACOMA_CONFIG=", "TACOMA_DATABASE_URL=", "TACOMA_DATA_DIR=" + data,
	}
	startReplica(t, bin, env, "first")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "run")
	second.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := second.CombinedOutput()
	took := time.Since(start)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("second tacoma run on %s = %v after %v, want a quick failure\n%s", data, err, took, out)
	}
	dir := filepath.Join(data, "index")
	if !strings.Contains(string(out), "another process holds it") || !strings.Contains(string(out), dir) {
		t.Errorf("second tacoma run said %q, want it to name %s and say another process holds it", out, dir)
	}
	t.Logf("the second process failed after %v", took)
}
