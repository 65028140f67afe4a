package slackemu

import "maps"

// ScopeCheck is one kind of bot-scope check the server made: the scope, what needed it
// and whether the app had it.
type ScopeCheck struct {
	Scope string
	// For is what needed the scope: a Web API method ("chat.postMessage"), "event:" and
	// the event type for an event delivery ("event:app_mention"), "url_private" for a
	// file download, "command" for a slash command.
	For     string
	Granted bool
}

// ScopeChecks returns how many times each scope check was made since New. A check that
// was not granted is a missing_scope answer (Web API methods), an event not delivered,
// a download redirected to the sign-in page, or a Command that returned an error. The
// optional chat:write.public, which only widens where chat:write may post, is not
// recorded. It is a copy; the caller may change it.
func (s *Server) ScopeChecks() map[ScopeCheck]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.checks)
}

// checkScopeLocked reports whether the app was granted scope, and records the check as
// needed by what.
func (s *Server) checkScopeLocked(scope, what string) bool {
	ok := s.hasScope(scope)
	s.checks[ScopeCheck{Scope: scope, For: what, Granted: ok}]++
	return ok
}

// MethodScopes returns the bot scopes each implemented Web API method checks, by method
// name. Most check one scope. The conversations methods check one that depends on the
// channel: the public-channel scope comes first, the private-channel one second. The
// methods that check none (auth.test; apps.connections.open, which takes the app-level
// token and its connections:write) map to an empty list.
func MethodScopes() map[string][]string {
	public, private := &channel{}, &channel{Channel: Channel{Private: true}}
	out := map[string][]string{}
	for name, m := range methodTable() {
		switch {
		case m.scope != "":
			out[name] = []string{m.scope}
		case m.chanScope != nil:
			out[name] = []string{m.chanScope(public), m.chanScope(private)}
		default:
			out[name] = []string{}
		}
	}
	return out
}
