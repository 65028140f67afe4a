// Package bot is Tacoma's Slack I/O: the Socket Mode loop on slack-go, the Web API calls it
// makes, and the one place Block Kit is built. It knows nothing of the catalog or of storage:
// it turns Slack envelopes into neutral Message, Command and Action values, calls a Handler,
// and renders the neutral Reply it gets back.
package bot
