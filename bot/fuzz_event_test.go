package bot

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// FuzzEventPayload feeds arbitrary Socket Mode envelopes through the parsing slack-go's
// socketmode client does and then the bot's conversion into neutral work: never a panic, at
// most one message per events_api envelope and one action per block action, the bot's own
// messages and edits are dropped, and each work's key is the one redeliveries are matched by.
func FuzzEventPayload(f *testing.F) {
	seeds := []string{
		`{"envelope_id":"e1","type":"events_api","payload":{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","user":"U1","text":"coredns <@UTACOMA> OOMKilled","ts":"1.1"}}}`,
		`{"envelope_id":"e2","type":"events_api","payload":{"type":"event_callback","event_id":"Ev2","event":{"type":"app_mention","channel":"C1","user":"U1","text":"<@UTACOMA> help","ts":"1.2","thread_ts":"1.0","attachments":[{"title":"t","fields":[{"title":"a","value":"b"}]}]}}}`,
		`{"envelope_id":"e3","type":"events_api","payload":{"type":"event_callback","event":{"type":"message","subtype":"message_changed","channel":"C1","message":{"text":"x"}}}}`,
		`{"envelope_id":"e4","type":"events_api","payload":{"type":"event_callback","event":{"type":"message","subtype":"bot_message","bot_id":"BTACOMA","channel":"C1","ts":"1.3"}}}`,
		`{"envelope_id":"e5","type":"events_api","payload":{"type":"event_callback","event":{"type":"message","subtype":"file_share","channel":"C1","user":"U2","ts":"1.4","files":[{"id":"F1","name":"pm.md"}]}}}`,
		`{"envelope_id":"e6","type":"interactive","payload":{"type":"block_actions","trigger_id":"T1","user":{"id":"U1"},"channel":{"id":"C1"},"container":{"message_ts":"1.5"},"actions":[{"action_id":"helpful","value":"story-1","action_ts":"2.0"},{"action_id":"not_relevant","value":"story-2","action_ts":"2.1"}]}}`,
		`{"envelope_id":"e7","type":"slash_commands","payload":{"command":"/tacoma","text":"search dns","user_id":"U1","channel_id":"C1","trigger_id":"T2","response_url":"http://127.0.0.1/r"}}`,
		`{"envelope_id":"e8","type":"events_api","payload":{"type":"event_callback","event":{"type":"message","text":[1,2]}}}`,
		`{"type":"events_api","payload":"\u0000"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, envelope []byte) {
		var req socketmode.Request
		if json.Unmarshal(envelope, &req) != nil {
			return
		}
		led := &recordingLedger{}
		b := fuzzBot(led)
		var inner struct {
			Event struct {
				Type    string `json:"type"`
				SubType string `json:"subtype"`
			} `json:"event"`
		}
		blockActions := 0
		switch req.Type {
		case socketmode.RequestTypeEventsAPI:
			ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
			if err != nil {
				return
			}
			_ = json.Unmarshal(req.Payload, &inner)
			b.onEventsAPI(t.Context(), ev)
		case socketmode.RequestTypeInteractive:
			var cb slack.InteractionCallback
			if json.Unmarshal(req.Payload, &cb) != nil {
				return
			}
			if cb.Type == slack.InteractionTypeBlockActions {
				blockActions = len(cb.ActionCallback.BlockActions)
			}
			b.onInteraction(t.Context(), cb)
		case socketmode.RequestTypeSlashCommands:
			var sc slack.SlashCommand
			if json.Unmarshal(req.Payload, &sc) != nil {
				return
			}
			b.onCommand(t.Context(), sc)
		default:
			return
		}
		var messages, actions, commands int
		for _, w := range led.taken(t) {
			switch {
			case w.Message != nil:
				messages++
				m := w.Message
				if w.Key != "msg:"+m.Channel+":"+m.TS {
					t.Errorf("message work key %q, want msg:%s:%s", w.Key, m.Channel, m.TS)
				}
				if m.User == "UTACOMA" || m.BotID == "BTACOMA" {
					t.Errorf("the bot's own message became work: %+v", m)
				}
				if m.Mention != strings.Contains(m.Text, "<@UTACOMA>") {
					t.Errorf("Mention = %v for text %q", m.Mention, m.Text)
				}
				if inner.Event.Type == "message" && !messageSubtypes[inner.Event.SubType] {
					t.Errorf("a message of subtype %q became work", inner.Event.SubType)
				}
			case w.Action != nil:
				actions++
				if !strings.HasPrefix(w.Key, "act:"+w.Action.TriggerID+":"+w.Action.ActionID+":") {
					t.Errorf("action work key %q does not name trigger %q and action %q", w.Key, w.Action.TriggerID, w.Action.ActionID)
				}
			case w.Command != nil:
				commands++
				if w.Key != "cmd:"+w.Command.TriggerID {
					t.Errorf("command work key %q, want cmd:%s", w.Key, w.Command.TriggerID)
				}
			}
		}
		if messages > 1 || actions > blockActions || commands > 1 {
			t.Errorf("one envelope became %d messages, %d actions (of %d block actions), %d commands", messages, actions, blockActions, commands)
		}
	})
}

// fuzzBot is a bot as far as dispatching goes: it knows who it is and hands work to led, which
// keeps it instead of letting it reach the pool.
func fuzzBot(led Ledger) *Bot {
	return &Bot{
		cfg:    Config{Ledger: led},
		log:    zap.NewNop(),
		seen:   NewRecentSet(64),
		claims: claims{keys: map[string]bool{}},
		jobs:   make(chan func(context.Context), 1),
		self:   identity{userID: "UTACOMA", botID: "BTACOMA", teamID: "T1"},
	}
}

// recordingLedger records every claim and refuses it, as if another replica held it, so that
// nothing is queued; a claim whose payload is not a work value fails the test.
type recordingLedger struct {
	mu       sync.Mutex
	payloads [][]byte
}

func (l *recordingLedger) Claim(_ context.Context, _ string, payload []byte) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.payloads = append(l.payloads, payload)
	return false, nil
}

func (l *recordingLedger) taken(t *testing.T) []work {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]work, 0, len(l.payloads))
	for _, p := range l.payloads {
		var w work
		if err := json.Unmarshal(p, &w); err != nil {
			t.Fatalf("claimed payload %q is not work: %v", p, err)
		}
		out = append(out, w)
	}
	return out
}

func (l *recordingLedger) Done(context.Context, string) error             { return nil }
func (l *recordingLedger) Renew(context.Context, []string) error          { return nil }
func (l *recordingLedger) Release(context.Context, []string) error        { return nil }
func (l *recordingLedger) Orphans(context.Context, int) ([][]byte, error) { return nil, nil }
