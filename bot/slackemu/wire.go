package slackemu

import (
	"encoding/json"
	"slices"
)

// wireMessage is a message as Slack's Web API and message events show it.
type wireMessage struct {
	Type            string          `json:"type"`
	Subtype         string          `json:"subtype,omitempty"`
	Hidden          bool            `json:"hidden,omitempty"`
	ClientMsgID     string          `json:"client_msg_id,omitempty"`
	User            string          `json:"user,omitempty"`
	BotID           string          `json:"bot_id,omitempty"`
	AppID           string          `json:"app_id,omitempty"`
	Username        string          `json:"username,omitempty"`
	BotProfile      *botProfile     `json:"bot_profile,omitempty"`
	Text            string          `json:"text"`
	TS              string          `json:"ts"`
	ThreadTS        string          `json:"thread_ts,omitempty"`
	ParentUserID    string          `json:"parent_user_id,omitempty"`
	ReplyCount      int             `json:"reply_count,omitempty"`
	ReplyUsersCount int             `json:"reply_users_count,omitempty"`
	ReplyUsers      []string        `json:"reply_users,omitempty"`
	LatestReply     string          `json:"latest_reply,omitempty"`
	Team            string          `json:"team,omitempty"`
	Blocks          json.RawMessage `json:"blocks,omitempty"`
	Attachments     json.RawMessage `json:"attachments,omitempty"`
	Files           []wireFile      `json:"files,omitempty"`
	Upload          bool            `json:"upload,omitempty"`
	Edited          *wireEdited     `json:"edited,omitempty"`
	Reactions       []wireReaction  `json:"reactions,omitempty"`
	Channel         string          `json:"channel,omitempty"`      // events only
	ChannelType     string          `json:"channel_type,omitempty"` // events only
	EventTS         string          `json:"event_ts,omitempty"`     // events only
}

type botProfile struct {
	ID      string `json:"id"`
	AppID   string `json:"app_id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted"`
	TeamID  string `json:"team_id"`
	Updated int64  `json:"updated"`
}

type wireEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type wireReaction struct {
	Name  string   `json:"name"`
	Users []string `json:"users"`
	Count int      `json:"count"`
}

type wireFile struct {
	ID                 string `json:"id"`
	Created            int64  `json:"created"`
	Timestamp          int64  `json:"timestamp"`
	Name               string `json:"name"`
	Title              string `json:"title"`
	Mimetype           string `json:"mimetype"`
	Filetype           string `json:"filetype"`
	User               string `json:"user"`
	Size               int    `json:"size"`
	Mode               string `json:"mode"`
	URLPrivate         string `json:"url_private"`
	URLPrivateDownload string `json:"url_private_download"`
}

// wireLocked renders m as the Web API shows it (history, replies, chat.* responses).
func (s *Server) wireLocked(m *message) wireMessage {
	w := wireMessage{
		Type: "message", Subtype: m.subtype, ClientMsgID: m.clientMsgID, User: m.user,
		BotID: m.botID, AppID: m.appID, Username: m.username, Text: m.text, TS: m.ts,
		ThreadTS: m.threadTS, Team: teamID, Blocks: m.blocks, Attachments: m.attachments,
	}
	if m.botID == botID {
		w.BotProfile = &botProfile{ID: botID, AppID: appID, Name: botName, TeamID: teamID, Updated: 1700000000}
	}
	if m.botID != "" && m.user == "" {
		w.Team = ""
	}
	if m.threadTS != "" && m.threadTS != m.ts {
		if parent := s.channels[m.channel].byTS[m.threadTS]; parent != nil {
			w.ParentUserID = parent.user
		}
	}
	if len(m.replies) > 0 {
		w.ReplyCount = len(m.replies)
		w.LatestReply = m.replies[len(m.replies)-1].ts
		for _, r := range m.replies {
			if r.user != "" && !slices.Contains(w.ReplyUsers, r.user) {
				w.ReplyUsers = append(w.ReplyUsers, r.user)
			}
		}
		w.ReplyUsersCount = len(w.ReplyUsers)
	}
	if m.edited != nil {
		w.Edited = &wireEdited{User: m.edited.user, TS: m.edited.ts}
	}
	for _, r := range m.reactions {
		w.Reactions = append(w.Reactions, wireReaction{Name: r.name, Users: r.users, Count: len(r.users)})
	}
	for _, f := range m.files {
		w.Files = append(w.Files, s.wireFileLocked(f, m))
		w.Upload = true
	}
	return w
}

// wireFileLocked renders a file shared by message m; serveFile serves its url_private.
func (s *Server) wireFileLocked(f *File, m *message) wireFile {
	u := s.fileURL(f)
	us, _ := parseTS(m.ts)
	return wireFile{
		ID: f.ID, Created: us / 1e6, Timestamp: us / 1e6, Name: f.Name,
		Title: f.Title, Mimetype: f.Mimetype, Filetype: f.Filetype, User: m.user, Size: f.Size,
		Mode: "hosted", URLPrivate: u, URLPrivateDownload: u + "?download=1",
	}
}

// eventLocked renders m as the inner event of a new-message event.
func (s *Server) eventLocked(ch *channel, m *message) wireMessage {
	w := s.wireLocked(m)
	w.ReplyCount, w.ReplyUsers, w.ReplyUsersCount, w.LatestReply, w.Reactions = 0, nil, 0, "", nil
	if m.threadTS == m.ts {
		w.ThreadTS = "" // a new message is not yet a parent
	}
	w.Channel, w.ChannelType, w.EventTS = ch.ID, ch.channelType(), m.ts
	return w
}
