package slackemu

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"go.uber.org/zap"
)

// eventCallback is the outer events_api payload (slack-protocol.md §5.1).
type eventCallback struct {
	Token              string          `json:"token"`
	TeamID             string          `json:"team_id"`
	APIAppID           string          `json:"api_app_id"`
	Type               string          `json:"type"`
	EventID            string          `json:"event_id"`
	EventTime          int64           `json:"event_time"`
	EventContext       string          `json:"event_context"`
	IsExtSharedChannel bool            `json:"is_ext_shared_channel"`
	Authorizations     []authorization `json:"authorizations"`
	Event              any             `json:"event"`
}

type authorization struct {
	EnterpriseID        *string `json:"enterprise_id"`
	TeamID              string  `json:"team_id"`
	UserID              string  `json:"user_id"`
	IsBot               bool    `json:"is_bot"`
	IsEnterpriseInstall bool    `json:"is_enterprise_install"`
}

// emitLocked queues an events_api envelope for inner, if the bot may see events in ch
// and the app was granted scope (the scope behind the event subscription).
func (s *Server) emitLocked(ch *channel, scope, eventType string, inner any) {
	if !ch.isMember(botUserID) {
		s.log.Debug("event not delivered: bot is not a channel member",
			zap.String("event", eventType), zap.String("channel", ch.ID))
		return
	}
	if !s.checkScopeLocked(scope, "event:"+eventType) {
		s.log.Debug("event not delivered: scope not granted",
			zap.String("event", eventType), zap.String("scope", scope))
		return
	}
	n := s.nextSeqLocked("event")
	ev := eventCallback{
		Token: s.verifyToken(), TeamID: teamID, APIAppID: appID, Type: "event_callback",
		EventID:   fmt.Sprintf("Ev%010d", n),
		EventTime: time.Now().Unix(),
		EventContext: "4-" + base64.RawURLEncoding.EncodeToString(
			fmt.Appendf(nil, `{"et":%q,"tid":%q,"aid":%q,"cid":%q}`, eventType, teamID, appID, ch.ID)),
		Authorizations: []authorization{{TeamID: teamID, UserID: botUserID, IsBot: true}},
		Event:          inner,
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("marshal event", zap.Error(err))
		return
	}
	s.enqueueLocked(envelopeEvents, payload, ev.EventID, eventType)
}

// verifyToken is the deprecated verification token Slack still puts in payloads.
// slack-go does not check it in Socket Mode (OptionNoVerifyToken).
func (s *Server) verifyToken() string { return "slackemu-verification-token" }

func historyScope(ch *channel) string {
	if ch.Private {
		return "groups:history"
	}
	return "channels:history"
}

func readScope(ch *channel) string {
	if ch.Private {
		return "groups:read"
	}
	return "channels:read"
}

var mentionRE = regexp.MustCompile(`<@([UW][A-Z0-9]+)(\|[^>]*)?>`)

// emitNewMessageLocked delivers the events for a new message in ch: "message", and
// "app_mention" too when a user mentions the bot, as Slack does.
func (s *Server) emitNewMessageLocked(ch *channel, m *message) {
	ev := s.eventLocked(ch, m)
	s.emitLocked(ch, historyScope(ch), "message", ev)
	if m.botID == botID {
		return
	}
	for _, sub := range mentionRE.FindAllStringSubmatch(m.text, -1) {
		if sub[1] == botUserID {
			am := ev
			am.Type, am.ChannelType, am.Subtype = "app_mention", "", ""
			s.emitLocked(ch, "app_mentions:read", "app_mention", am)
			return
		}
	}
}

// changedEvent is a message_changed or message_deleted event.
type changedEvent struct {
	Type            string       `json:"type"`
	Subtype         string       `json:"subtype"`
	Hidden          bool         `json:"hidden"`
	Channel         string       `json:"channel"`
	ChannelType     string       `json:"channel_type"`
	TS              string       `json:"ts"`
	EventTS         string       `json:"event_ts"`
	DeletedTS       string       `json:"deleted_ts,omitempty"`
	Message         *wireMessage `json:"message,omitempty"`
	PreviousMessage *wireMessage `json:"previous_message,omitempty"`
}

// emitChangedLocked delivers message_changed for m, whose content before the edit was prev.
func (s *Server) emitChangedLocked(ch *channel, m *message, prev wireMessage) {
	cur := s.wireLocked(m)
	ts := s.nextTSLocked()
	s.emitLocked(ch, historyScope(ch), "message", changedEvent{
		Type: "message", Subtype: "message_changed", Hidden: true, Channel: ch.ID,
		ChannelType: ch.channelType(), TS: ts, EventTS: ts, Message: &cur, PreviousMessage: &prev,
	})
}

// emitDeletedLocked delivers message_deleted for a message whose last content was prev.
func (s *Server) emitDeletedLocked(ch *channel, prev wireMessage) {
	ts := s.nextTSLocked()
	s.emitLocked(ch, historyScope(ch), "message", changedEvent{
		Type: "message", Subtype: "message_deleted", Hidden: true, Channel: ch.ID,
		ChannelType: ch.channelType(), TS: ts, EventTS: ts, DeletedTS: prev.TS, PreviousMessage: &prev,
	})
}

type memberJoined struct {
	Type        string `json:"type"`
	User        string `json:"user"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
	Team        string `json:"team"`
	Inviter     string `json:"inviter,omitempty"`
	EventTS     string `json:"event_ts"`
}

// emitMemberJoinedLocked delivers member_joined_channel; channel_type is "C" or "G".
func (s *Server) emitMemberJoinedLocked(ch *channel, userID string) {
	ct := "C"
	if ch.Private {
		ct = "G"
	}
	s.emitLocked(ch, readScope(ch), "member_joined_channel", memberJoined{
		Type: "member_joined_channel", User: userID, Channel: ch.ID, ChannelType: ct,
		Team: teamID, EventTS: s.nextTSLocked(),
	})
}

// richText renders plain message text as the rich_text block Slack attaches to user
// messages, with user mentions as user elements.
func richText(blockID, text string) json.RawMessage {
	type elem struct {
		Type   string `json:"type"`
		Text   string `json:"text,omitempty"`
		UserID string `json:"user_id,omitempty"`
	}
	elems := []elem{}
	rest := text
	for _, loc := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		off := len(text) - len(rest)
		if loc[0] > off {
			elems = append(elems, elem{Type: "text", Text: text[off:loc[0]]})
		}
		elems = append(elems, elem{Type: "user", UserID: text[loc[2]:loc[3]]})
		rest = text[loc[1]:]
	}
	if rest != "" {
		elems = append(elems, elem{Type: "text", Text: rest})
	}
	b, _ := json.Marshal([]any{map[string]any{
		"type": "rich_text", "block_id": blockID,
		"elements": []any{map[string]any{"type": "rich_text_section", "elements": elems}},
	}})
	return b
}
