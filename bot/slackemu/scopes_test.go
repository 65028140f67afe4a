package slackemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// TestMethodScopesAreTheScopesChecked calls every method that MethodScopes says needs a
// scope, with no scope granted, and expects missing_scope naming that scope, for the
// public-channel and the private-channel scope alike.
func TestMethodScopesAreTheScopesChecked(t *testing.T) {
	t.Parallel()
	s := newServer(t, WithScopes())
	bot := s.App().BotUserID
	channels := []string{s.AddChannel("ops", bot).ID, s.AddPrivateChannel("secret", bot).ID}
	type row struct{ method, channel, want string }
	var rows []row
	for name, scopes := range MethodScopes() {
		for i, sc := range scopes {
			rows = append(rows, row{name, channels[i], sc})
		}
	}
	if len(rows) < 10 {
		t.Fatalf("MethodScopes() lists %d scope checks, want every implemented method's: %v", len(rows), MethodScopes())
	}
	for _, tt := range rows {
		if got := neededScope(t, s, tt.method, tt.channel); got != tt.want {
			t.Errorf("%s in %s: needed = %q, want %q", tt.method, tt.channel, got, tt.want)
		}
		if n := s.ScopeChecks()[ScopeCheck{Scope: tt.want, For: tt.method}]; n == 0 {
			t.Errorf("ScopeChecks() has no refused %s check for %s", tt.want, tt.method)
		}
	}
	for _, free := range []string{"auth.test", "apps.connections.open"} {
		if got := MethodScopes()[free]; got == nil || len(got) != 0 {
			t.Errorf("MethodScopes()[%q] = %#v, want an empty list", free, got)
		}
	}
}

// neededScope calls method as the bot with channel set and returns the "needed" of a
// missing_scope answer ("" for any other answer).
func neededScope(t *testing.T, s *Server, method, channel string) string {
	t.Helper()
	form := url.Values{"channel": {channel}, "user": {"U1"}, "ts": {"1.000001"}}
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, s.APIURL()+method, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+s.App().BotToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s = %v", method, err)
	}
	defer res.Body.Close()
	var body struct {
		Error  string `json:"error"`
		Needed string `json:"needed"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	if body.Error != "missing_scope" {
		return ""
	}
	return body.Needed
}

// TestScopeChecksRecordEveryKind checks that events, downloads and slash commands record
// their scope checks, granted or not, as Web API methods do.
func TestScopeChecksRecordEveryKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		scopes []string
		do     func(t *testing.T, w workspace)
		want   ScopeCheck
	}{
		{"message event refused", without(DefaultScopes(), "channels:history"), postHello, ScopeCheck{Scope: "channels:history", For: "event:message"}},
		{"message event delivered", DefaultScopes(), postHello, ScopeCheck{Scope: "channels:history", For: "event:message", Granted: true}},
		{"mention refused", without(DefaultScopes(), "app_mentions:read"), mentionBot, ScopeCheck{Scope: "app_mentions:read", For: "event:app_mention"}},
		{"command refused", without(DefaultScopes(), "commands"), slashHelp, ScopeCheck{Scope: "commands", For: "command"}},
		{"command delivered", DefaultScopes(), slashHelp, ScopeCheck{Scope: "commands", For: "command", Granted: true}},
		{"download refused", without(DefaultScopes(), "files:read"), download, ScopeCheck{Scope: "files:read", For: "url_private"}},
		{"download served", DefaultScopes(), download, ScopeCheck{Scope: "files:read", For: "url_private", Granted: true}},
		{"method answered", DefaultScopes(), postAsBot, ScopeCheck{Scope: "chat:write", For: "chat.postMessage", Granted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, WithScopes(tt.scopes...))
			tt.do(t, w)
			got := w.s.ScopeChecks()
			if got[tt.want] != 1 {
				t.Errorf("ScopeChecks()[%+v] = %d, want 1; all: %v", tt.want, got[tt.want], got)
			}
		})
	}
}

func postHello(t *testing.T, w workspace) {
	if _, err := w.s.Post(w.ana.ID, w.ops.ID, "hello"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
}

func mentionBot(t *testing.T, w workspace) {
	if _, err := w.s.Post(w.ana.ID, w.ops.ID, "<@"+w.s.App().BotUserID+"> hello"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
}

// slashHelp needs a Socket Mode connection, or Command stops before the scope check.
func slashHelp(t *testing.T, w workspace) {
	startBot(t, w.s)
	waitConnected(t, w.s, 1)
	_, _ = w.s.Command(w.ana.ID, w.ops.ID, "/tacoma", "help")
}

func download(t *testing.T, w workspace) {
	ts, err := w.s.UploadAsUser(w.ana.ID, w.ops.ID, "notes.md", []byte("notes\n"), "")
	if err != nil {
		t.Fatalf("UploadAsUser() = %v", err)
	}
	var f File
	for _, m := range w.s.Messages(w.ops.ID) {
		if m.TS == ts {
			f = m.Files[0]
		}
	}
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, w.s.fileURL(&f), nil)
	req.Header.Set("Authorization", "Bearer "+w.s.App().BotToken)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	fetch(t, client, req)
}

func postAsBot(t *testing.T, w workspace) {
	if _, _, err := w.api.PostMessageContext(ctxT(t), w.ops.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
}
