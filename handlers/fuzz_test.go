package handlers_test

import (
	"testing"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
)

// FuzzHandleCommand feeds arbitrary slash-command text and message text to the handlers: every
// input gets an answer or a quiet nil, never a panic or an error.
func FuzzHandleCommand(f *testing.F) {
	for _, s := range []string{"", "help", "search <@U1> <https://x|y> dns &amp;", "story ../../etc", "checklist dns --share", "search \x00\xff", "postmortem done"} {
		f.Add(s)
	}
	fx := newFixture(f, handlers.DefaultConfig())
	f.Fuzz(func(t *testing.T, text string) {
		r, err := fx.h.HandleCommand(t.Context(), bot.Command{Command: "/tacoma", Text: text, Channel: "C1", User: "U1"})
		if err != nil || r == nil {
			t.Fatalf("HandleCommand(%q) = %v, %v; want an answer", text, r, err)
		}
		if _, err := fx.h.HandleMessage(t.Context(), bot.Message{Channel: "C1", User: "U1", Text: text, TS: "1.1", Mention: true}); err != nil {
			t.Fatalf("HandleMessage(%q) = %v", text, err)
		}
	})
}
