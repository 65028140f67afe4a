// Package slackemu is an in-process Slack: Socket Mode and the Web API on loopback,
// speaking the wire protocol that github.com/slack-go/slack v0.35.0 speaks, so that the
// real bot can be driven end to end by tests and by the terminal playground.
//
// Boundary: slackemu imports no other tacoma package. It knows Slack, not tacoma. The
// bot reaches it only through slack.OptionAPIURL(s.APIURL()) and the two tokens in
// s.App(); tests and the playground drive it through the control methods on Server
// (AddUser, AddChannel, Post, PostAsBot, UploadAsUser, Command, Click, WaitMessage,
// the faults: FailNext, FailNextHTTP, RateLimitNext, DelayNext, LoseAcks, Disconnect,
// WarnDisconnect, DropConnections, SkipHello, StopPings). Post's At option scripts a
// channel's past, message by message in ts order.
//
//	s := slackemu.New(slackemu.WithOnUnknown(func(m string) { t.Errorf("unknown Slack method %s", m) }))
//	if err := s.Start(); err != nil { ... }
//	defer s.Close()
//	app := s.App()
//	api := slack.New(app.BotToken, slack.OptionAppLevelToken(app.AppToken), slack.OptionAPIURL(s.APIURL()))
//	sm := socketmode.New(api)
//
// The emulator is strict, because a fake that cannot fail hides bugs:
//   - An unknown Web API method answers {"ok":false,"error":"unknown_method"} and calls
//     the WithOnUnknown hook.
//   - Tokens and token types, scopes (missing_scope with needed and provided), channel
//     membership, Block Kit limits and rate limits are checked and answered with
//     Slack's error codes, JSON shapes and HTTP statuses.
//   - Socket Mode envelopes must be acked within the ack timeout. An events_api
//     envelope that is not is redelivered with retry_attempt 1..3, retry_reason
//     "timeout", a new envelope_id and the same event_id. Slash commands and clicks
//     are not redelivered; CommandCall.Wait reports ErrNotAcked.
//   - Events reach the app only as Slack sends them: message events for channels the
//     bot is a member of and whose history scope was granted, app_mention when a
//     message there mentions the bot, the bot's own posts echoed with bot_id.
//   - A private channel is invisible to the bot unless it is a member: methods answer
//     channel_not_found, as Slack does, not not_in_channel.
//   - A file's url_private is served only to "Authorization: Bearer <bot token>" with
//     files:read granted, for files the bot can see; any other request is redirected
//     to the workspace sign-in page, as Slack does.
//
// What the emulator leaves out: views and modals, DMs and group DMs, chat.delete and
// every method not in methodTable, archived channels, connection refreshes after
// approximate_connection_time (WarnDisconnect and Disconnect script refreshes), the
// 2025 non-Marketplace history limits, the workspace-wide posting limit, message
// metadata, message edits by users, file thumbnails, and files.info.
//
// The facts behind each limit and shape, with their sources, are in
// shared/reference/slack-protocol.md next to the repository (../shared from its root);
// comments cite its sections as "slack-protocol.md §N".
package slackemu
