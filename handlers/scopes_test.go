package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"gopkg.in/yaml.v3"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
)

// manifest is the part of deploy/slack-app-manifest.yaml that decides what Slack lets the
// bot do and send.
type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `yaml:"command"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	f, err := os.Open("../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m manifest
	if err := yaml.NewDecoder(f).Decode(&m); err != nil {
		t.Fatalf("decode the manifest: %v", err)
	}
	return m
}

// subscriptions are the event subscriptions the bot listens to, with the bot scope each
// requires (docs.slack.dev/reference/events/<name>, "Required scopes") and the type of the
// events it delivers. app_mention is the one way to
// hear the mention that invites the bot into a channel, which Slack delivers as app_mention
// alone (docs.slack.dev/reference/events/app_mention); the emulator does not model that
// invitation, so in the emulator every mention also arrives as a message event.
func subscriptions() map[string]struct{ scope, event string } {
	return map[string]struct{ scope, event string }{
		"app_mention":      {scope: "app_mentions:read", event: "app_mention"},
		"message.channels": {scope: "channels:history", event: "message"},
		"message.groups":   {scope: "groups:history", event: "message"},
	}
}

func TestManifestSettings(t *testing.T) {
	m := readManifest(t)
	if !m.Settings.SocketModeEnabled {
		t.Error("settings.socket_mode_enabled is not true; Tacoma connects through Socket Mode only")
	}
	if !m.Settings.Interactivity.IsEnabled {
		t.Error("settings.interactivity.is_enabled is not true; the Helpful buttons would not reach the bot")
	}
	var cmds []string
	for _, c := range m.Features.SlashCommands {
		cmds = append(cmds, c.Command)
	}
	if !slices.Equal(cmds, []string{"/tacoma"}) {
		t.Errorf("features.slash_commands = %q, want [/tacoma]", cmds)
	}
	if len(m.Settings.EventSubscriptions.BotEvents) == 0 {
		t.Error("settings.event_subscriptions.bot_events is empty")
	}
	for _, ev := range m.Settings.EventSubscriptions.BotEvents {
		sub, ok := subscriptions()[ev]
		if !ok {
			t.Errorf("event subscription %s: the bot does not listen to it; known: %v", ev, slices.Sorted(maps.Keys(subscriptions())))
		}
		if ok && !slices.Contains(m.OAuthConfig.Scopes.Bot, sub.scope) {
			t.Errorf("event subscription %s needs the bot scope %s, which the manifest does not grant", ev, sub.scope)
		}
	}
}

// TestManifestScopesAreWhatTheBotUses runs every feature against an emulator that grants the
// manifest's bot scopes and nothing else, then checks that no scope was missing and that
// every scope granted was needed by something the bot did or subscribes to.
func TestManifestScopesAreWhatTheBotUses(t *testing.T) {
	m := readManifest(t)
	granted := m.OAuthConfig.Scopes.Bot
	s := startScoped(t, granted, 20*time.Second)
	for _, f := range features() {
		if err := f.run(t, s); err != nil {
			t.Errorf("%s with the manifest's scopes: %v", f.name, err)
		}
	}
	checks := s.emu.ScopeChecks()
	needed := map[string][]string{} // scope -> what needed it
	for c, n := range checks {
		switch {
		case !c.Granted:
			t.Errorf("%s was refused %d times for %s: the manifest lacks it", c.Scope, n, c.For)
		case !strings.HasPrefix(c.For, "event:"):
			// The emulator checks an event's scope whether or not the app subscribes to it, so
			// events count through the manifest's subscriptions below instead.
			needed[c.Scope] = append(needed[c.Scope], c.For)
		}
	}
	for _, ev := range m.Settings.EventSubscriptions.BotEvents {
		sub := subscriptions()[ev]
		needed[sub.scope] = append(needed[sub.scope], "the "+ev+" subscription")
		if checks[slackemu.ScopeCheck{Scope: sub.scope, For: "event:" + sub.event, Granted: true}] == 0 {
			t.Errorf("no %s event was delivered under %s: the features did not exercise the %s subscription", sub.event, sub.scope, ev)
		}
	}
	var called []string
	for method, scopes := range slackemu.MethodScopes() {
		if s.emu.Calls(method) == 0 {
			continue
		}
		called = append(called, method)
		// Tacoma serves public and private channels alike, so a conversations method needs
		// the scopes of both kinds.
		for _, sc := range scopes {
			if !slices.Contains(granted, sc) {
				t.Errorf("the bot called %s, which needs %s; the manifest does not grant it", method, sc)
			}
		}
	}
	for _, sc := range granted {
		if len(needed[sc]) == 0 {
			t.Errorf("the manifest grants %s, but nothing the bot did needed it (no Web API method, download, slash command or event subscription): remove it", sc)
		}
		slices.Sort(needed[sc])
		t.Logf("%-18s needed by %s", sc, strings.Join(slices.Compact(needed[sc]), ", "))
	}
	slices.Sort(called)
	t.Logf("Web API methods called: %s", strings.Join(called, ", "))
}

// TestEachScopeIsEnforced removes one manifest scope at a time and checks that the emulator
// refuses it and that the feature needing it then fails.
func TestEachScopeIsEnforced(t *testing.T) {
	tests := []struct {
		remove  string
		feature func(*testing.T, scoped) error
		refused string // what the emulator refused the scope for
		fails   bool
	}{
		{"chat:write", suggestInThread, "chat.postMessage", true},
		{"channels:history", suggestInThread, "event:message", true},
		{"groups:history", suggestPrivately, "event:message", true},
		{"channels:read", suggestInThread, "conversations.info", true},
		{"groups:read", suggestPrivately, "conversations.info", true},
		{"commands", help, "command", true},
		{"users:read", postmortemRoundTrip, "users.info", true},
		{"files:write", postmortemRoundTrip, "files.getUploadURLExternal", true},
		{"files:read", postmortemRoundTrip, "url_private", true},
		// The mention also arrives as a message event, so it is still answered; see subscriptions.
		{"app_mentions:read", mention, "event:app_mention", false},
	}
	granted := readManifest(t).OAuthConfig.Scopes.Bot
	for _, tt := range tests {
		t.Run(tt.remove, func(t *testing.T) {
			t.Parallel()
			s := startScoped(t, slices.DeleteFunc(slices.Clone(granted), func(sc string) bool { return sc == tt.remove }), 2*time.Second)
			err := tt.feature(t, s)
			if (err != nil) != tt.fails {
				t.Errorf("without %s: feature error = %v, want failure %v", tt.remove, err, tt.fails)
			}
			refused := slackemu.ScopeCheck{Scope: tt.remove, For: tt.refused}
			if got := s.emu.ScopeChecks(); got[refused] == 0 {
				t.Errorf("without %s: the emulator never refused it for %s; its checks: %v", tt.remove, tt.refused, got)
			}
		})
	}
}

// scoped is the whole bot (messages, commands, clicks, alert receivers, postmortems) against an
// emulator that grants only the given scopes, with a public and a private incident channel.
type scoped struct {
	receivers
	private  slackemu.Channel
	patience time.Duration // how long to wait for each answer
}

func startScoped(t *testing.T, scopes []string, patience time.Duration) scoped {
	t.Helper()
	cfg := handlers.DefaultConfig()
	// As in deploy/tacoma.example.yaml: the patterns need the channel's name, from conversations.info.
	cfg.Channels = []string{"inc-*"}
	st := startStackWith(t, zaptest.NewLogger(t), cfg, 1, slackemu.WithScopes(scopes...))
	priv := st.emu.AddPrivateChannel("inc-private", st.user.ID, st.app.BotUserID)
	r := startReceiversWith(t, receivers{stack: st, alerts: st.chs[0]}, handlers.DefaultAlertsConfig(),
		handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}})
	return scoped{receivers: r, private: priv, patience: patience}
}

type feature struct {
	name string
	run  func(*testing.T, scoped) error
}

func features() []feature {
	return []feature{
		{"a suggestion in a thread", suggestInThread},
		{"a suggestion in a private channel", suggestPrivately},
		{"an @mention", mention},
		{"/tacoma search, story, checklist, help", commands},
		{"a Helpful click", clickHelpful},
		{"an alert group, then its resolve", alertResolved},
		{"/tacoma postmortem, an edited upload, /tacoma postmortem done", postmortemRoundTrip},
	}
}

// botMessage waits for the bot's message that satisfies match.
func (s scoped) botMessage(match func(slackemu.Message) bool) (slackemu.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.patience)
	defer cancel()
	return s.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.BotID == s.app.BotID && match(m) })
}

// suggestAfter posts a failure as a reply under a quiet top-level message and waits for the
// suggestion after it in that thread.
func suggestAfter(s scoped, channel, failure string) error {
	top, err := s.emu.Post(s.user.ID, channel, "looking into it")
	if err != nil {
		return err
	}
	ts, err := s.emu.Post(s.user.ID, channel, failure, slackemu.InThread(top))
	if err != nil {
		return err
	}
	if _, err := s.botMessage(func(m slackemu.Message) bool { return m.Channel == channel && m.ThreadTS == top && m.TS > ts }); err != nil {
		return fmt.Errorf("no suggestion in the thread: %w", err)
	}
	return nil
}

func suggestInThread(_ *testing.T, s scoped) error {
	return suggestAfter(s, s.chs[0].ID, "coredns pods keep getting OOMKilled and every service fails to resolve hostnames")
}

func suggestPrivately(_ *testing.T, s scoped) error {
	return suggestAfter(s, s.private.ID, "half our outbound calls to the partner api take exactly 1s or 3s to connect since we moved to EKS")
}

func mention(_ *testing.T, s scoped) error {
	ch := s.chs[0].ID
	ts, err := s.emu.Post(s.user.ID, ch, "<@"+s.app.BotUserID+"> seen this before? 502 errors from the ingress during every rolling deploy")
	if err != nil {
		return err
	}
	if _, err := s.botMessage(func(m slackemu.Message) bool { return m.Channel == ch && m.ThreadTS == ts }); err != nil {
		return fmt.Errorf("mention not answered: %w", err)
	}
	return nil
}

// expect runs a slash command and waits for an answer that contains want.
func (s scoped) expect(user, channel, text, want string) error {
	call, err := s.emu.Command(user, channel, "/tacoma", text)
	if err != nil {
		return err
	}
	return s.answered(call, want)
}

// answered waits for a response_url answer to call that contains want.
func (s scoped) answered(call *slackemu.CommandCall, want string) error {
	for deadline := time.Now().Add(s.patience); ; time.Sleep(10 * time.Millisecond) {
		var got []string
		for _, r := range call.Responses() {
			var body struct {
				Text   string          `json:"text"`
				Blocks json.RawMessage `json:"blocks"`
			}
			_ = json.Unmarshal(r, &body)
			blocks, _ := bot.BlocksText(body.Blocks)
			got = append(got, body.Text+"\n"+blocks)
		}
		if slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, want) }) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("answers %q, want one containing %q", got, want)
		}
	}
}

func help(_ *testing.T, s scoped) error {
	return s.expect(s.user.ID, s.chs[0].ID, "help", "`/tacoma story ID`")
}

func commands(_ *testing.T, s scoped) error {
	var errs []error
	for _, c := range [][2]string{
		{"search coredns cannot resolve and pods are OOMKilled", "Total DNS outage in Kubernetes cluster"},
		{"story jetstack-admission-webhook-2019", "What responders saw"},
		{"checklist dns", "Fix afterwards"},
		{"help", "`/tacoma story ID`"},
	} {
		if err := s.expect(s.user.ID, s.chs[0].ID, c[0], c[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func clickHelpful(t *testing.T, s scoped) error {
	ch := s.chs[0].ID
	ts, err := s.emu.Post(s.user.ID, ch, "nodes flapping NotReady after the api server ELB changed IPs")
	if err != nil {
		return err
	}
	sugg, err := s.botMessage(func(m slackemu.Message) bool { return m.Channel == ch && m.ThreadTS == ts })
	if err != nil {
		return fmt.Errorf("no suggestion to click: %w", err)
	}
	call, err := s.emu.Click(s.user.ID, ch, sugg.TS, handlers.ActionHelpful, buttonValuesOf(t, sugg, handlers.ActionHelpful)[0])
	if err != nil {
		return err
	}
	return s.answered(call, "marked helpful")
}

func alertResolved(t *testing.T, s scoped) error {
	auth := map[string]string{"Authorization": "Bearer " + amToken}
	if st, body := s.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-a"), auth); st != 202 {
		return fmt.Errorf("firing alert: %d %s", st, body)
	}
	group, err := s.botMessage(func(m slackemu.Message) bool {
		return m.Channel == s.alerts.ID && strings.Contains(m.Text, "FIRING: KubePodCrashLooping")
	})
	if err != nil {
		return fmt.Errorf("no group message: %w", err)
	}
	if st, body := s.post(t, "/hooks/alertmanager", amGroup("resolved", "coredns-a"), auth); st != 202 {
		return fmt.Errorf("resolved alert: %d %s", st, body)
	}
	if _, err := s.botMessage(func(m slackemu.Message) bool {
		return m.Channel == s.alerts.ID && m.TS == group.TS && m.Edited && strings.Contains(m.Text, "RESOLVED")
	}); err != nil {
		return fmt.Errorf("group message not updated to RESOLVED: %w", err)
	}
	return nil
}

// postmortemRoundTrip drafts the postmortem of a scripted incident, uploads an edited copy
// as a responder and keeps it with done.
func postmortemRoundTrip(t *testing.T, s scoped) error {
	ch, ana, t0 := incident(t, s.stack)
	if err := s.expect(ana.ID, ch, "postmortem", "Draft `"); err != nil {
		return err
	}
	var draft []byte
	for _, m := range s.emu.Messages(ch) {
		for _, f := range m.Files {
			if m.BotID == s.app.BotID && strings.HasSuffix(f.Name, ".md") {
				draft = f.Content
			}
		}
	}
	if !strings.Contains(string(draft), "Ana Lima") {
		return fmt.Errorf("the draft does not name Ana Lima:\n%s", draft)
	}
	edited := strings.Replace(string(draft), "# Checkout dns incident: CoreDNSErrorsHigh", "# Checkout DNS meltdown from ndots fan-out", 1)
	if _, err := s.emu.UploadAsUser(ana.ID, ch, "postmortem-edited.md", []byte(edited), "edited", slackemu.At(t0.Add(2*time.Hour))); err != nil {
		return err
	}
	return s.expect(ana.ID, ch, "postmortem done", "Checkout DNS meltdown from ndots fan-out")
}
