package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"time"

	"go.uber.org/zap"
)

// A response_url takes at most 5 posts within 30 minutes (docs.slack.dev "Handling
// user interaction"; slack-protocol.md §6.2).
const (
	maxHookUses = 5
	hookTTL     = 30 * time.Minute
)

// responseURL is the response_url of one slash command or click. Guarded by Server.mu.
type responseURL struct {
	id       string
	channel  *channel
	user     string
	original *message // the clicked message; nil for slash commands
	issued   time.Time
	uses     int
	posts    []json.RawMessage
}

// responseBody is what may be POSTed to a response_url or put in a slash command ack.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func (s *Server) newHookLocked(kind string, ch *channel, user string, original *message) *responseURL {
	h := &responseURL{
		id:      fmt.Sprintf("%s/%s/%d/%s", kind, teamID, s.nextSeqLocked("hook"), randomHex(12)),
		channel: ch, user: user, original: original, issued: time.Now(),
	}
	s.hooks[h.id] = h
	return h
}

func (s *Server) hookURL(h *responseURL) string { return s.baseURL + "/hooks/" + h.id }

// serveHook answers a POST to a response_url: {"ok":true} as JSON, or a 4xx with a
// plain-text reason, which slack-go surfaces as slack.StatusCodeError.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	id := path.Clean(r.URL.Path[len("/hooks/"):])
	status, reason := s.postToHook(id, r.Header.Get("Content-Type"), body)
	if status != http.StatusOK {
		s.log.Warn("response_url post refused", zap.Int("status", status), zap.String("reason", reason))
		http.Error(w, reason, status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (s *Server) postToHook(id, contentType string, body []byte) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hooks[id]
	switch {
	case h == nil:
		return http.StatusNotFound, "no_service"
	case time.Since(h.issued) > hookTTL:
		return http.StatusNotFound, "expired_url"
	case h.uses >= maxHookUses:
		return http.StatusNotFound, "used_url"
	}
	if ct, _, _ := mime.ParseMediaType(contentType); ct != "application/json" {
		return http.StatusBadRequest, "invalid_payload"
	}
	var rb responseBody
	if err := json.Unmarshal(body, &rb); err != nil {
		return http.StatusBadRequest, "invalid_payload"
	}
	if code := s.applyResponseLocked(h, rb); code != "" {
		return http.StatusBadRequest, code
	}
	h.uses++
	h.posts = append(h.posts, bytes.Clone(body))
	return http.StatusOK, ""
}

// applyResponseLocked applies a response_url post or a slash command ack payload to
// the workspace. It returns a Slack error code, or "" on success.
func (s *Server) applyResponseLocked(h *responseURL, rb responseBody) string {
	ch := h.channel
	if rb.DeleteOriginal {
		if m := h.original; m != nil {
			prev := s.wireLocked(m)
			s.deleteMessageLocked(ch, m)
			h.original = nil
			if !m.ephemeral {
				s.emitDeletedLocked(ch, prev)
			}
		}
		return ""
	}
	if !slices.Contains([]string{"", "ephemeral", "in_channel"}, rb.ResponseType) {
		return "invalid_response_type"
	}
	ts := s.nextTSLocked()
	c := content{text: rb.Text}
	var e *apiError
	if !isEmptyJSONList(string(rb.Blocks)) {
		if c.blocks, e = parseBlocks(string(rb.Blocks), ch.ID+ts); e != nil {
			return e.code
		}
	}
	if !isEmptyJSONList(string(rb.Attachments)) {
		if c.attachments, e = parseAttachments(string(rb.Attachments)); e != nil {
			return e.code
		}
	}
	if c.empty() {
		return "no_text"
	}
	if m := h.original; rb.ReplaceOriginal && m != nil {
		prev := s.wireLocked(m)
		m.text, m.blocks, m.attachments = c.text, c.blocks, c.attachments
		s.notifyLocked()
		if !m.ephemeral {
			s.emitChangedLocked(ch, m, prev)
		}
		return ""
	}
	threadTS, e := threadLocked(ch, rb.ThreadTS)
	if e != nil {
		return e.code
	}
	m := &message{
		ts: ts, threadTS: threadTS, user: botUserID, botID: botID, appID: appID,
		text: truncateRunes(c.text, maxPostText), blocks: c.blocks, attachments: c.attachments,
	}
	if rb.ResponseType != "in_channel" {
		m.ephemeral, m.toUser = true, h.user
	}
	s.addMessageLocked(ch, m)
	if !m.ephemeral {
		s.emitNewMessageLocked(ch, m)
	}
	return ""
}

// applyAckLocked applies a slash command's ack payload, which Slack treats like the
// body of an HTTP command response (slack-protocol.md §2.3).
func (s *Server) applyAckLocked(h *responseURL, payload json.RawMessage) {
	if len(payload) == 0 || string(payload) == "null" {
		return
	}
	var rb responseBody
	if err := json.Unmarshal(payload, &rb); err != nil {
		s.log.Warn("slash command ack payload is not a message object", zap.Error(err))
		return
	}
	rb.ReplaceOriginal, rb.DeleteOriginal = false, false
	if code := s.applyResponseLocked(h, rb); code != "" {
		s.log.Warn("slash command ack payload refused; the user sees an error", zap.String("error", code))
	}
}
