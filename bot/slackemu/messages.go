package slackemu

import (
	"slices"
	"sort"
)

// addMessageLocked stores m in ch. A reply (threadTS set) goes under its parent and,
// if it is a broadcast, also into the channel. It notifies waiters.
func (s *Server) addMessageLocked(ch *channel, m *message) {
	m.channel = ch.ID
	if us, _ := parseTS(m.ts); us > ch.last {
		ch.last = us
	}
	switch {
	case m.ephemeral:
		ch.ephemerals = append(ch.ephemerals, m)
	case m.threadTS != "":
		parent := ch.byTS[m.threadTS]
		parent.threadTS = parent.ts
		parent.replies = append(parent.replies, m)
		ch.byTS[m.ts] = m
		if m.subtype == "thread_broadcast" {
			ch.top = append(ch.top, m)
		}
	default:
		ch.top = append(ch.top, m)
		ch.byTS[m.ts] = m
	}
	s.notifyLocked()
}

// deleteMessageLocked removes a message (and, for a parent, its replies).
func (s *Server) deleteMessageLocked(ch *channel, m *message) {
	drop := func(list []*message) []*message {
		return slices.DeleteFunc(list, func(x *message) bool { return x == m })
	}
	if m.ephemeral {
		ch.ephemerals = drop(ch.ephemerals)
		s.notifyLocked()
		return
	}
	ch.top = drop(ch.top)
	delete(ch.byTS, m.ts)
	if m.threadTS != "" && m.threadTS != m.ts {
		if parent := ch.byTS[m.threadTS]; parent != nil {
			parent.replies = drop(parent.replies)
		}
	}
	for _, r := range m.replies {
		delete(ch.byTS, r.ts)
		ch.top = slices.DeleteFunc(ch.top, func(x *message) bool { return x == r })
	}
	s.notifyLocked()
}

// threadParent resolves ts to the top-level message of its thread. It reports
// false if no message in ch has that ts.
func (ch *channel) threadParent(ts string) (*message, bool) {
	m := ch.byTS[ts]
	if m == nil {
		return nil, false
	}
	if m.threadTS != "" && m.threadTS != m.ts {
		p := ch.byTS[m.threadTS]
		return p, p != nil
	}
	return m, true
}

// snapshot copies m into the public Message type.
func (m *message) snapshot() Message {
	out := Message{
		Channel: m.channel, TS: m.ts, ThreadTS: m.threadTS, User: m.user, BotID: m.botID,
		Username: m.username, Subtype: m.subtype, Text: m.text,
		Blocks:      slices.Clone(m.blocks),
		Attachments: slices.Clone(m.attachments),
		Edited:      m.edited != nil, Ephemeral: m.ephemeral, ToUser: m.toUser,
	}
	for _, r := range m.reactions {
		out.Reactions = append(out.Reactions, r.name)
	}
	for _, f := range m.files {
		c := *f
		c.Content = slices.Clone(f.Content)
		out.Files = append(out.Files, c)
	}
	return out
}

// Messages returns the channel's top-level messages (including bot posts and
// broadcast replies), oldest first. Unknown channels have none.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	return snapshots(ch.top)
}

// Replies returns the replies in the thread whose parent has ts threadTS, oldest
// first, without the parent.
func (s *Server) Replies(channelID, threadTS string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil || ch.byTS[threadTS] == nil {
		return nil
	}
	return snapshots(ch.byTS[threadTS].replies)
}

// Ephemerals returns the ephemeral messages posted in the channel (chat.postEphemeral,
// ephemeral response_url posts and slash command ack payloads), oldest first.
func (s *Server) Ephemerals(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	return snapshots(ch.ephemerals)
}

func snapshots(ms []*message) []Message {
	out := make([]Message, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.snapshot())
	}
	return out
}

// allMessagesLocked returns every message in the workspace, ephemeral ones included,
// ordered by ts.
func (s *Server) allMessagesLocked() []Message {
	var out []Message
	for _, id := range s.chanList {
		ch := s.channels[id]
		for _, m := range ch.byTS {
			out = append(out, m.snapshot())
		}
		out = append(out, snapshots(ch.ephemerals)...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := parseTS(out[i].TS)
		b, _ := parseTS(out[j].TS)
		return a < b
	})
	return out
}
