package slackemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// User is a workspace member. The bot user has IsBot set and its BotID.
type User struct {
	ID       string
	Name     string
	RealName string
	// DisplayName is empty until SetDisplayName, as in Slack, where people rarely set one.
	DisplayName string
	TZ          string
	IsBot       bool
	BotID       string
}

// Channel is a public or private channel.
type Channel struct {
	ID      string
	Name    string
	Private bool
}

// File is a file shared with files.completeUploadExternal or UploadAsUser.
type File struct {
	ID       string
	Name     string
	Title    string
	Mimetype string
	Filetype string // Slack's short type: "text", "markdown", "png", "binary", ...
	Size     int
	Content  []byte
}

// Message is a snapshot of a message as stored by the emulator.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string // the parent's ts for replies, and for parents that have replies
	User        string
	BotID       string
	Username    string // another app's bot name (PostAsBot)
	Subtype     string // "bot_message", "file_share", "thread_broadcast" or ""
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Edited      bool
	Reactions   []string
	Files       []File
	Ephemeral   bool
	ToUser      string // the only user who sees an ephemeral message
}

// channel is the stored state of one channel. Guarded by Server.mu.
type channel struct {
	Channel
	created    int64
	creator    string
	members    []string
	last       int64      // the latest ts in the channel, in microseconds (At keeps to it)
	top        []*message // top-level messages and broadcast replies, oldest first
	byTS       map[string]*message
	ephemerals []*message
}

// message is one stored message. Guarded by Server.mu.
type message struct {
	channel     string
	ts          string
	threadTS    string // set on replies (the parent ts) and on parents with replies
	user        string
	botID       string
	appID       string
	username    string
	subtype     string
	text        string
	blocks      json.RawMessage
	attachments json.RawMessage
	edited      *edit
	reactions   []reaction
	files       []*File
	replies     []*message // parent only, oldest first
	clientMsgID string
	ephemeral   bool
	toUser      string
}

type edit struct{ user, ts string }

type reaction struct {
	name  string
	users []string
}

var channelNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,79}$`)

// AddUser adds a human member and returns it, with a new "U..." ID and time zone UTC.
func (s *Server) AddUser(name, realName string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &User{ID: fmt.Sprintf("U%08d", s.nextSeqLocked("user")), Name: name, RealName: realName, TZ: "UTC"}
	s.users[u.ID] = u
	s.userList = append(s.userList, u.ID)
	return *u
}

// AddChannel adds a public channel with the given member user IDs (include
// s.App().BotUserID to make the bot a member). It panics if the name is invalid or
// taken, or a member is unknown: those are bugs in the caller.
func (s *Server) AddChannel(name string, members ...string) Channel {
	return s.addChannel(name, false, members)
}

// AddPrivateChannel is AddChannel for a private channel. The bot sees a private channel
// only while it is a member; otherwise methods answer channel_not_found, as Slack does.
func (s *Server) AddPrivateChannel(name string, members ...string) Channel {
	return s.addChannel(name, true, members)
}

func (s *Server) addChannel(name string, private bool, members []string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !channelNameRE.MatchString(name) {
		panic(fmt.Sprintf("slackemu: invalid channel name %q: use lowercase letters, digits, - and _", name))
	}
	for _, id := range s.chanList {
		if s.channels[id].Name == name {
			panic(fmt.Sprintf("slackemu: channel name %q is taken by %s", name, id))
		}
	}
	ch := &channel{
		Channel: Channel{ID: fmt.Sprintf("C%08d", s.nextSeqLocked("channel")), Name: name, Private: private},
		created: time.Now().Unix(),
		byTS:    map[string]*message{},
	}
	for _, m := range members {
		if s.users[m] == nil {
			panic(fmt.Sprintf("slackemu: AddChannel(%q): unknown user %q", name, m))
		}
		if !slices.Contains(ch.members, m) {
			ch.members = append(ch.members, m)
		}
	}
	if len(ch.members) > 0 {
		ch.creator = ch.members[0]
	}
	s.channels[ch.ID] = ch
	s.chanList = append(s.chanList, ch.ID)
	return ch.Channel
}

// Invite adds users to a channel, as /invite does. Inviting the bot delivers
// member_joined_channel to the app.
func (s *Server) Invite(channelID string, userIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	ch := s.channels[channelID]
	if ch == nil {
		return fmt.Errorf("invite: unknown channel %q", channelID)
	}
	for _, id := range userIDs {
		if s.users[id] == nil {
			return fmt.Errorf("invite: unknown user %q", id)
		}
	}
	for _, id := range userIDs {
		if !ch.isMember(id) {
			ch.members = append(ch.members, id)
			s.emitMemberJoinedLocked(ch, id)
		}
	}
	s.notifyLocked()
	return nil
}

// SetDisplayName sets the display name users.info shows for a user (profile.display_name).
func (s *Server) SetDisplayName(userID, displayName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		return fmt.Errorf("set display name: unknown user %q", userID)
	}
	u.DisplayName = displayName
	return nil
}

func (ch *channel) isMember(userID string) bool { return slices.Contains(ch.members, userID) }

// channelType is the channel_type of message events.
func (ch *channel) channelType() string {
	if ch.Private {
		return "group"
	}
	return "channel"
}

// nextTSLocked returns a message timestamp "<unix>.<6 digits>" from the clock, unique and
// strictly increasing across the workspace, and after any ts At gave.
func (s *Server) nextTSLocked() string {
	us := time.Now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return formatTS(us)
}

// tsLocked returns the ts of a new message in ch: nextTSLocked, or the time At asked for,
// which must be later than every message already in ch.
func (s *Server) tsLocked(ch *channel, at time.Time) (string, error) {
	if at.IsZero() {
		return s.nextTSLocked(), nil
	}
	us := at.UnixMicro()
	if us <= ch.last {
		return "", fmt.Errorf("At(%s) is not after the latest message in #%s (ts %s): script messages in ts order",
			at.UTC().Format(time.RFC3339Nano), ch.Name, formatTS(ch.last))
	}
	s.lastTS = max(s.lastTS, us)
	return formatTS(us), nil
}

func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }

var tsRE = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,6})?$`)

// parseTS parses a Slack timestamp into microseconds. It reports whether ts is valid.
func parseTS(ts string) (int64, bool) {
	if !tsRE.MatchString(ts) {
		return 0, false
	}
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	for len(frac) < 6 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return s*1e6 + f, true
}
