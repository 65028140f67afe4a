package slackemu

import (
	"strings"
	"unicode/utf8"
)

const (
	// maxPostText: chat.postMessage truncates longer text, without an error
	// (changelog 2018-04 "truncating really long messages").
	maxPostText = 40000
	// maxUpdateText: chat.update answers msg_too_long above 4,000 characters.
	maxUpdateText = 4000
)

// visibleChannelLocked resolves a channel ID (or, with byName, "#name" or "name") to a
// channel the bot can see: any public channel, and private channels it is a member of.
// It returns nil otherwise; Slack answers channel_not_found for both cases.
func (s *Server) visibleChannelLocked(ref string, byName bool) *channel {
	ch := s.channels[ref]
	if ch == nil && byName {
		name := strings.TrimPrefix(ref, "#")
		for _, id := range s.chanList {
			if s.channels[id].Name == name {
				ch = s.channels[id]
			}
		}
	}
	if ch == nil || (ch.Private && !ch.isMember(botUserID)) {
		return nil
	}
	return ch
}

// postTargetLocked is the channel check of the posting methods: channel_not_found,
// then not_in_channel unless the bot is a member or may post to public channels with
// chat:write.public.
func (s *Server) postTargetLocked(ref string, byName bool) (*channel, *apiError) {
	ch := s.visibleChannelLocked(ref, byName)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	if !ch.isMember(botUserID) && !(s.hasScope("chat:write.public") && !ch.Private) {
		return nil, errCode("not_in_channel")
	}
	return ch, nil
}

func (s *Server) chatPostMessage(req *apiRequest) (obj, *apiError) {
	ch, e := s.postTargetLocked(req.arg("channel"), true)
	if e != nil {
		return nil, e
	}
	ts := s.nextTSLocked()
	c, e := parseContent(req, ch.ID+ts)
	if e != nil {
		return nil, e
	}
	if c.empty() {
		return nil, errCode("no_text")
	}
	threadTS, e := threadLocked(ch, req.arg("thread_ts"))
	if e != nil {
		return nil, e
	}
	m := &message{
		ts: ts, threadTS: threadTS, user: botUserID, botID: botID, appID: appID,
		text: truncateRunes(c.text, maxPostText), blocks: c.blocks, attachments: c.attachments,
	}
	if threadTS != "" && req.boolArg("reply_broadcast") {
		m.subtype = "thread_broadcast"
	}
	s.addMessageLocked(ch, m)
	s.emitNewMessageLocked(ch, m)
	return obj{"channel": ch.ID, "ts": m.ts, "message": s.wireLocked(m)}, nil
}

func (s *Server) chatPostEphemeral(req *apiRequest) (obj, *apiError) {
	ch := s.visibleChannelLocked(req.arg("channel"), true)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	if !ch.isMember(botUserID) {
		return nil, errCode("not_in_channel")
	}
	user := req.arg("user")
	if !ch.isMember(user) {
		return nil, errCode("user_not_in_channel")
	}
	ts := s.nextTSLocked()
	c, e := parseContent(req, ch.ID+ts)
	if e != nil {
		return nil, e
	}
	if c.empty() {
		return nil, errCode("no_text")
	}
	if utf8.RuneCountInString(c.text) > maxPostText {
		return nil, errCode("msg_too_long")
	}
	threadTS, e := threadLocked(ch, req.arg("thread_ts"))
	if e != nil {
		return nil, e
	}
	s.addMessageLocked(ch, &message{
		ts: ts, threadTS: threadTS, user: botUserID, botID: botID, appID: appID, text: c.text,
		blocks: c.blocks, attachments: c.attachments, ephemeral: true, toUser: user,
	})
	return obj{"message_ts": ts}, nil
}

// chatUpdate edits one of the bot's messages. Omitted blocks and attachments are kept
// unless text is given; an empty list removes them (slack-protocol.md §4.4).
func (s *Server) chatUpdate(req *apiRequest) (obj, *apiError) {
	ch := s.visibleChannelLocked(req.arg("channel"), false)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	m := ch.byTS[req.arg("ts")]
	if m == nil {
		return nil, errCode("message_not_found")
	}
	if m.botID != botID {
		return nil, errCode("cant_update_message")
	}
	if utf8.RuneCountInString(req.arg("text")) > maxUpdateText {
		return nil, errCode("msg_too_long")
	}
	editTS := s.nextTSLocked()
	c, e := parseContent(req, ch.ID+editTS)
	if e != nil {
		return nil, e
	}
	if c.empty() && !req.has("blocks") && !req.has("attachments") {
		return nil, errCode("no_text")
	}
	prev := s.wireLocked(m)
	textGiven := req.has("text")
	if textGiven {
		m.text = c.text
	}
	if req.has("blocks") || textGiven {
		m.blocks = c.blocks
	}
	if req.has("attachments") || textGiven {
		m.attachments = c.attachments
	}
	m.edited = &edit{user: botUserID, ts: editTS}
	s.notifyLocked()
	s.emitChangedLocked(ch, m, prev)
	return obj{"channel": ch.ID, "ts": m.ts, "text": m.text, "message": s.wireLocked(m)}, nil
}
