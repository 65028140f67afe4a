// Package handlers is what Tacoma does in Slack: it joins the bot (Slack I/O) and knowledge (the
// catalog and matcher). It suggests similar past outages in incident threads, answers
// /tacoma commands, and records the feedback responders give.
package handlers
