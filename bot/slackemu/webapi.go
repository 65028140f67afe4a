package slackemu

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// maxBody bounds a Web API request body.
const maxBody = 8 << 20

// obj is a JSON object in a Web API response.
type obj = map[string]any

// apiError is an ok:false answer: {"ok":false,"error":code,...}.
type apiError struct {
	code     string
	errors   []string // invalid_blocks details, "... [json-pointer:/blocks/0]"
	needed   string   // missing_scope
	provided string   // missing_scope
	messages []string // response_metadata.messages, for invalid_arguments
}

func errCode(code string) *apiError { return &apiError{code: code} }

// method is one implemented Web API method. handle runs with Server.mu held.
type method struct {
	scope      string                // bot scope checked before handle; "" if none or handle checks it
	chanScope  func(*channel) string // the scope handle checks, which depends on the channel (MethodScopes)
	appToken   bool                  // takes the xapp- token (apps.connections.open) instead of xoxb-
	perChannel bool                  // rate-limited per channel as well as per token
	handle     func(*Server, *apiRequest) (obj, *apiError)
}

// methodTable lists the implemented methods; every other name is unknown_method.
func methodTable() map[string]method {
	return map[string]method{
		"apps.connections.open":        {appToken: true, handle: (*Server).connectionsOpen},
		"auth.test":                    {handle: (*Server).authTest},
		"chat.postMessage":             {scope: "chat:write", perChannel: true, handle: (*Server).chatPostMessage},
		"chat.postEphemeral":           {scope: "chat:write", handle: (*Server).chatPostEphemeral},
		"chat.update":                  {scope: "chat:write", handle: (*Server).chatUpdate},
		"conversations.info":           {chanScope: readScope, handle: (*Server).conversationsInfo},
		"conversations.history":        {chanScope: historyScope, handle: (*Server).conversationsHistory},
		"conversations.replies":        {chanScope: historyScope, handle: (*Server).conversationsReplies},
		"conversations.join":           {scope: "channels:join", handle: (*Server).conversationsJoin},
		"users.info":                   {scope: "users:read", handle: (*Server).usersInfo},
		"reactions.add":                {scope: "reactions:write", handle: (*Server).reactionsAdd},
		"files.getUploadURLExternal":   {scope: "files:write", handle: (*Server).filesGetUploadURL},
		"files.completeUploadExternal": {scope: "files:write", handle: (*Server).filesCompleteUpload},
	}
}

// serveAPI answers one Web API call.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req := parseRequest(r, name)
	if !s.hold(r.Context(), name) {
		return
	}
	s.mu.Lock()
	res, unknown := s.callLocked(req)
	s.mu.Unlock()
	if unknown {
		s.unknownMethod(name)
	}
	for k, v := range res.header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

type apiResult struct {
	status int
	header http.Header
	body   []byte
}

// callLocked runs the checks in Slack's order (method, injected faults, body, token,
// rate limit, scope) and then the method. It reports whether the method is unknown.
func (s *Server) callLocked(req *apiRequest) (apiResult, bool) {
	s.calls[req.name]++
	res := apiResult{status: http.StatusOK, header: http.Header{}}
	m, ok := s.methods[req.name]
	if !ok {
		res.body = errorBody(errCode("unknown_method"))
		return res, true
	}
	if f, ok := s.takeFaultLocked(req.name); ok {
		return f.result(), false
	}
	if req.parseErr != "" {
		res.body = errorBody(errCode(req.parseErr))
		return res, false
	}
	if e := s.authLocked(m, req); e != nil {
		res.body = errorBody(e)
		return res, false
	}
	if m.appToken {
		res.header.Set("X-OAuth-Scopes", "connections:write")
	} else {
		res.header.Set("X-OAuth-Scopes", strings.Join(s.app.Scopes, ","))
		res.header.Set("X-Accepted-OAuth-Scopes", m.scope)
	}
	key := req.name + "|" + req.token
	if m.perChannel {
		key += "|" + firstNonEmpty(req.arg("channel"), req.arg("channel_id"))
	}
	if ok, wait := s.limiter.allow(req.name, key); !ok {
		return rateLimited(wait), false
	}
	if m.scope != "" {
		if e := s.needScope(req.name, m.scope); e != nil {
			res.body = errorBody(e)
			return res, false
		}
	}
	out, e := m.handle(s, req)
	if e != nil {
		res.body = errorBody(e)
		return res, false
	}
	out["ok"] = true
	body, err := json.Marshal(out)
	if err != nil {
		s.log.Error("marshal response", zap.String("method", req.name), zap.Error(err))
		res.body = errorBody(errCode("internal_error"))
		return res, false
	}
	res.body = body
	return res, false
}

// authLocked checks the token: not_authed without one, invalid_auth for an unknown
// one, not_allowed_token_type for an xapp- token on a bot method or the reverse.
func (s *Server) authLocked(m method, req *apiRequest) *apiError {
	if m.appToken && !req.fromHeader {
		// apps.connections.open reads the app-level token only from the header.
		return errCode("not_authed")
	}
	switch req.token {
	case "":
		return errCode("not_authed")
	case s.app.AppToken:
		if !m.appToken {
			return errCode("not_allowed_token_type")
		}
	case s.app.BotToken:
		if m.appToken {
			return errCode("not_allowed_token_type")
		}
	default:
		return errCode("invalid_auth")
	}
	return nil
}

func (s *Server) hasScope(scope string) bool { return slices.Contains(s.app.Scopes, scope) }

// needScope answers missing_scope, with needed and provided, unless scope was granted to
// the app. It records the check (ScopeChecks) as needed by method.
func (s *Server) needScope(method, scope string) *apiError {
	if s.checkScopeLocked(scope, method) {
		return nil
	}
	return &apiError{code: "missing_scope", needed: scope, provided: strings.Join(s.app.Scopes, ",")}
}

func (s *Server) unknownMethod(name string) {
	if s.cfg.onUnknown != nil {
		s.cfg.onUnknown(name)
		return
	}
	s.log.Error("unknown web api method; the emulator does not implement it", zap.String("method", name))
}

func errorBody(e *apiError) []byte {
	out := obj{"ok": false, "error": e.code}
	if len(e.errors) > 0 {
		out["errors"] = e.errors
	}
	if e.needed != "" {
		out["needed"], out["provided"] = e.needed, e.provided
	}
	if len(e.messages) > 0 {
		out["response_metadata"] = obj{"messages": e.messages}
	}
	b, _ := json.Marshal(out)
	return b
}

// rateLimited is Slack's 429: an integer Retry-After of at least 1 s and
// {"ok":false,"error":"ratelimited"} (slack-protocol.md §4.3). slack-go turns it
// into *slack.RateLimitedError.
func rateLimited(wait float64) apiResult {
	secs := max(1, int(math.Ceil(wait)))
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(secs))
	return apiResult{status: http.StatusTooManyRequests, header: h, body: errorBody(errCode("ratelimited"))}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
