package handlers_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// stuck never answers a message until its context ends: a replica that took work and stopped.
type stuck struct {
	bot.Handler
	took atomic.Int32
}

func (s *stuck) HandleMessage(ctx context.Context, m bot.Message) (*bot.Reply, error) {
	s.took.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// A replica that shuts down with work it could not finish hands it back, and another replica
// answers it: once.
func TestUnfinishedWorkIsHandedToAnotherReplica(t *testing.T) {
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	app := emu.App()
	user := emu.AddUser("ana", "Ana Lima")
	ch := emu.AddChannel("inc-1", user.ID, app.BotUserID)
	dsn := filepath.Join(t.TempDir(), "tacoma.db")
	ledger := func() bot.Ledger {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st.Work()
	}
	cfg := bot.Config{AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(), Workers: 2}

	f := newFixture(t, handlers.DefaultConfig())
	cfgA := cfg
	cfgA.Ledger = ledger()
	h := &stuck{Handler: f.h}
	a, err := bot.New(cfgA, h, zaptest.NewLogger(t).Named("a"))
	if err != nil {
		t.Fatal(err)
	}
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- a.Run(ctxA) }()
	wctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatal(err)
	}
	ts, err := emu.Post(user.ID, ch.ID, "<@"+app.BotUserID+"> coredns pods OOMKilled and dns lookups time out")
	if err != nil {
		t.Fatal(err)
	}
	for h.took.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	stopA() // shuts down with the message taken and not answered
	if err := <-doneA; err != nil {
		t.Fatalf("A.Run = %v", err)
	}

	cfgB := cfg
	cfgB.Ledger = ledger()
	b, err := bot.New(cfgB, f.h, zaptest.NewLogger(t).Named("b"))
	if err != nil {
		t.Fatal(err)
	}
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	go func() { _ = b.Run(ctxB) }()
	m, err := emu.WaitMessage(wctx, func(m slackemu.Message) bool { return m.ThreadTS == ts && m.BotID == app.BotID })
	if err != nil {
		t.Fatalf("the handed-back message was not answered by the other replica: %v", err)
	}
	time.Sleep(3 * time.Second) // a second answer would come within a tend interval
	n := 0
	for _, r := range emu.Replies(ch.ID, ts) {
		if r.BotID == app.BotID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d replies, want 1 (first: %q)", n, m.Text)
	}
}
