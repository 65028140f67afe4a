package bot

import "context"

// Message is a message posted in a channel the bot is in.
type Message struct {
	EventID     string
	Channel     string // channel ID
	ChannelName string // without '#'; empty if Slack would not say
	User        string // author's user ID; empty for other apps' bots
	BotID       string // set when another app's bot posted it
	BotName     string
	Text        string
	TS          string
	ThreadTS    string // set when the message is in a thread
	Mention     bool   // the message addresses this bot (@mention)
	// Attachments are legacy attachments, as alert notifiers post them.
	Attachments []Attachment
	// Files are the files shared with the message (a file_share message); Download fetches them.
	Files []File
	// Buttons are the buttons in the message's blocks: how Tacoma recognises its own
	// suggestions when it reads a channel back with History.
	Buttons []Button
	// Own reports that this bot posted the message. Only History returns such messages:
	// HandleMessage never sees the bot's own.
	Own bool
	// Edited is the ts of the message's last edit, "" if it was never edited. History only.
	Edited string
	// ReplyCount is how many replies the thread under this message has. History only.
	ReplyCount int
}

// Attachment is the part of a legacy attachment a handler reads.
type Attachment struct {
	Title    string
	Text     string
	Fallback string
	Fields   []Field
	Color    string
}

// Field is one field of an attachment.
type Field struct{ Title, Value string }

// Thread returns the thread a reply to m belongs in: m's thread, or a new one under m.
func (m Message) Thread() string {
	if m.ThreadTS != "" {
		return m.ThreadTS
	}
	return m.TS
}

// Command is a slash command: "/tacoma search dns" has Command "/tacoma" and Text "search dns".
type Command struct {
	Command     string
	Text        string
	User        string
	Channel     string
	ChannelName string
	TriggerID   string
}

// Action is a click on a button the bot posted.
type Action struct {
	ActionID  string
	Value     string
	User      string
	Channel   string
	MessageTS string
	ThreadTS  string // the thread the clicked message is in, if any
	TriggerID string
}

// Reply is what a handler wants said, free of Slack types; bot renders it to Block Kit.
type Reply struct {
	// Text is the plain fallback shown in notifications and on clients without blocks.
	Text     string
	Sections []Section
	// InChannel makes a command's reply visible to everyone; by default only the user sees it.
	InChannel bool
}

// Section is one block of a reply.
type Section struct {
	Header  string // a header block above the section
	Title   string // bold first line; a link when Link is set
	Link    string
	Text    string // Slack mrkdwn
	Context string // small grey line under the text
	Buttons []Button
	Divider bool // a divider after the section
}

// Button is an interactive button; clicking it sends an Action with ActionID and Value.
type Button struct {
	Text     string
	ActionID string
	Value    string
	Style    string // "", "primary" or "danger"
}

// Handler decides what the bot says. A nil Reply means say nothing. Implementations must be
// safe for concurrent use: the bot calls them from a pool of workers.
type Handler interface {
	// HandleMessage is called for each new message in a channel the bot is in, other than the
	// bot's own. A reply is posted in the message's thread.
	HandleMessage(ctx context.Context, m Message) (*Reply, error)
	// HandleCommand answers a slash command.
	HandleCommand(ctx context.Context, c Command) (*Reply, error)
	// HandleAction answers a button click; its reply is shown to the clicking user only.
	HandleAction(ctx context.Context, a Action) (*Reply, error)
}
