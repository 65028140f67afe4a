package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// Post records a message from a user, as if typed in Slack, and delivers the
// events_api "message" event to the app, plus "app_mention" if the text contains
// <@BOTUSERID>. text is in Slack's wire form: mentions as <@U...>, and &, < and >
// escaped. The user must be a member of the channel. It returns the message ts.
func (s *Server) Post(userID, channelID, text string, opts ...PostOption) (string, error) {
	o := newPostOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked("post", userID, channelID)
	if err != nil {
		return "", err
	}
	if text == "" {
		return "", fmt.Errorf("post: empty text")
	}
	threadTS, e := threadLocked(ch, o.threadTS)
	if e != nil {
		return "", fmt.Errorf("post: no message %s in %s to reply to", o.threadTS, channelID)
	}
	ts, err := s.tsLocked(ch, o.at)
	if err != nil {
		return "", fmt.Errorf("post: %w", err)
	}
	m := &message{
		ts: ts, threadTS: threadTS, user: userID, text: text,
		blocks: richText(shortID(ch.ID+ts), text), clientMsgID: newUUID(),
	}
	s.addMessageLocked(ch, m)
	s.emitNewMessageLocked(ch, m)
	return ts, nil
}

// memberChannelLocked checks that userID is a human user and a member of channelID.
func (s *Server) memberChannelLocked(op, userID, channelID string) (*channel, error) {
	if s.closed {
		return nil, ErrClosed
	}
	u := s.users[userID]
	switch {
	case u == nil:
		return nil, fmt.Errorf("%s: unknown user %q", op, userID)
	case u.IsBot:
		return nil, fmt.Errorf("%s: %s is the bot; the bot acts through the Web API", op, userID)
	}
	ch := s.channels[channelID]
	switch {
	case ch == nil:
		return nil, fmt.Errorf("%s: unknown channel %q", op, channelID)
	case !ch.isMember(userID):
		return nil, fmt.Errorf("%s: user %s is not a member of #%s; pass it to AddChannel or Invite", op, userID, ch.Name)
	}
	return ch, nil
}

// PostAsBot records a message from another app's bot, such as Alertmanager's or
// Grafana's Slack notifier: subtype bot_message, a bot_id per botName, the username,
// legacy attachments and no user. It delivers the message event to the app.
func (s *Server) PostAsBot(botName, channelID, text string, attachments json.RawMessage, opts ...PostOption) (string, error) {
	o := newPostOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	ch := s.channels[channelID]
	if ch == nil {
		return "", fmt.Errorf("post as bot: unknown channel %q", channelID)
	}
	var atts json.RawMessage
	if !isEmptyJSONList(string(attachments)) {
		var e *apiError
		if atts, e = parseAttachments(string(attachments)); e != nil {
			return "", fmt.Errorf("post as bot: %s", e.code)
		}
	}
	if text == "" && atts == nil {
		return "", fmt.Errorf("post as bot: no text and no attachments")
	}
	id, ok := s.bots[botName]
	if !ok {
		id = fmt.Sprintf("B%08d", s.nextSeqLocked("bot"))
		s.bots[botName] = id
	}
	ts, err := s.tsLocked(ch, o.at)
	if err != nil {
		return "", fmt.Errorf("post as bot: %w", err)
	}
	threadTS, e := threadLocked(ch, o.threadTS)
	if e != nil {
		return "", fmt.Errorf("post as bot: no message %s in %s to reply to", o.threadTS, channelID)
	}
	m := &message{ts: ts, threadTS: threadTS, botID: id, username: botName, subtype: "bot_message", text: text, attachments: atts}
	s.addMessageLocked(ch, m)
	s.emitNewMessageLocked(ch, m)
	return m.ts, nil
}

// CommandCall is a delivered slash command or click.
type CommandCall struct {
	s           *Server
	rec         *record
	hook        *responseURL
	ResponseURL string
	TriggerID   string
}

// Wait waits for the app's ack and returns its payload (nil if the ack had none). It
// returns ErrNotAcked if the ack timeout passed first, ctx.Err() if ctx ends, and
// ErrClosed if the server closes.
func (c *CommandCall) Wait(ctx context.Context) (json.RawMessage, error) {
	select {
	case <-c.rec.settled:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.s.done:
		return nil, ErrClosed
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.rec.gaveUp {
		return nil, ErrNotAcked
	}
	return slices.Clone(c.rec.ackPayload), nil
}

// Responses returns the bodies POSTed to the response_url and accepted, oldest first.
func (c *CommandCall) Responses() []json.RawMessage {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := make([]json.RawMessage, 0, len(c.hook.posts))
	for _, p := range c.hook.posts {
		out = append(out, slices.Clone(p))
	}
	return out
}

// Command delivers a slash_commands envelope, as if userID typed "command text" in the
// channel, with a response_url on this server and a trigger_id. An ack payload is
// shown like a command response (in_channel or, by default, ephemeral). It returns
// ErrNoConnection, as Slack's dispatch_failed, if the app has no open connection.
func (s *Server) Command(userID, channelID, command, text string) (*CommandCall, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked("command", userID, channelID)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(command, "/") || strings.ContainsAny(command, " \t\n") {
		return nil, fmt.Errorf("command: %q is not a slash command", command)
	}
	if !s.checkScopeLocked("commands", "command") {
		return nil, fmt.Errorf("command: the app was not granted the commands scope")
	}
	if len(s.sockets.list) == 0 {
		return nil, ErrNoConnection
	}
	hook := s.newHookLocked("commands", ch, userID, nil)
	call := &CommandCall{s: s, hook: hook, ResponseURL: s.hookURL(hook), TriggerID: s.triggerIDLocked()}
	payload, _ := json.Marshal(map[string]any{
		"token": s.verifyToken(), "team_id": teamID, "team_domain": teamDomain,
		"channel_id": ch.ID, "channel_name": ch.Name, "user_id": userID,
		"user_name": s.users[userID].Name, "command": command, "text": text,
		"api_app_id": appID, "is_enterprise_install": "false",
		"response_url": call.ResponseURL, "trigger_id": call.TriggerID,
	})
	call.rec = s.enqueueLocked(envelopeSlash, payload, "", command)
	call.rec.onAck = func(p json.RawMessage) { s.applyAckLocked(hook, p) }
	return call, nil
}

// Click delivers an interactive block_actions envelope for the button with actionID in
// the message at messageTS (top-level, reply, or an ephemeral shown to userID). It
// fails if the message has no such button, or if value is set and differs from the
// button's value. The response_url can replace or delete the clicked message.
func (s *Server) Click(userID, channelID, messageTS, actionID, value string) (*CommandCall, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	u, ch := s.users[userID], s.channels[channelID]
	if u == nil || u.IsBot || ch == nil {
		return nil, fmt.Errorf("click: unknown user %q or channel %q", userID, channelID)
	}
	if ch.Private && !ch.isMember(userID) {
		return nil, fmt.Errorf("click: user %s cannot see private channel #%s", userID, ch.Name)
	}
	m := ch.byTS[messageTS]
	if m == nil {
		i := slices.IndexFunc(ch.ephemerals, func(e *message) bool { return e.ts == messageTS && e.toUser == userID })
		if i < 0 {
			return nil, fmt.Errorf("click: no message %s in %s visible to %s", messageTS, channelID, userID)
		}
		m = ch.ephemerals[i]
	}
	btn, ok := findButton(m.blocks, actionID)
	if !ok {
		return nil, fmt.Errorf("click: message %s has no button with action_id %q", messageTS, actionID)
	}
	bv, _ := btn.element["value"].(string)
	if value != "" && value != bv {
		return nil, fmt.Errorf("click: button %q has value %q, not %q", actionID, bv, value)
	}
	if len(s.sockets.list) == 0 {
		return nil, ErrNoConnection
	}
	hook := s.newHookLocked("actions", ch, userID, m)
	call := &CommandCall{s: s, hook: hook, ResponseURL: s.hookURL(hook), TriggerID: s.triggerIDLocked()}
	container := map[string]any{"type": "message", "message_ts": m.ts, "channel_id": ch.ID, "is_ephemeral": m.ephemeral}
	if m.threadTS != "" {
		container["thread_ts"] = m.threadTS
	}
	action := map[string]any{
		"type": "button", "action_id": actionID, "block_id": btn.blockID, "text": btn.element["text"],
		"value": bv, "action_ts": s.nextTSLocked(),
	}
	if st, ok := btn.element["style"]; ok {
		action["style"] = st
	}
	p := map[string]any{
		"type": "block_actions", "token": s.verifyToken(), "api_app_id": appID,
		"user":      map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": teamID},
		"team":      map[string]any{"id": teamID, "domain": teamDomain},
		"channel":   map[string]any{"id": ch.ID, "name": ch.Name},
		"container": container, "trigger_id": call.TriggerID, "response_url": call.ResponseURL,
		"enterprise": nil, "is_enterprise_install": false,
		"state": map[string]any{"values": map[string]any{}}, "actions": []any{action},
	}
	if !m.ephemeral {
		p["message"] = s.wireLocked(m)
	}
	payload, _ := json.Marshal(p)
	call.rec = s.enqueueLocked(envelopeInteractive, payload, "", "block_actions")
	call.rec.onAck = func(ack json.RawMessage) {
		if len(ack) > 0 {
			s.log.Debug("block_actions ack payload ignored, as Slack ignores it", zap.Int("bytes", len(ack)))
		}
	}
	return call, nil
}

// triggerIDLocked mints a trigger_id in Slack's "123.456.hex" format.
func (s *Server) triggerIDLocked() string {
	return fmt.Sprintf("%d.%d.%s", s.nextSeqLocked("trigger"), 8040000000, randomHex(16))
}

// WaitMessage waits until some message, existing or new, satisfies match: top-level
// or reply, from a user or a bot, and ephemeral messages too (match decides). match
// runs without the server's lock held. It returns ctx.Err() if ctx ends first and
// ErrClosed if the server closes.
func (s *Server) WaitMessage(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		msgs, ch, closed := s.allMessagesLocked(), s.changed, s.closed
		s.mu.Unlock()
		if closed {
			return Message{}, ErrClosed
		}
		for _, m := range msgs {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-ctx.Done():
			return Message{}, ctx.Err()
		case <-ch:
		case <-s.done:
		}
	}
}
