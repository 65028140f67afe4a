package slackemu

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// content is the text, blocks and attachments of a chat.* call.
type content struct {
	text        string
	blocks      json.RawMessage
	attachments json.RawMessage
}

func (c content) empty() bool {
	return c.text == "" && len(c.blocks) == 0 && len(c.attachments) == 0
}

// parseContent reads text, blocks and attachments; salt seeds generated block_ids.
func parseContent(req *apiRequest, salt string) (content, *apiError) {
	c := content{text: req.arg("text")}
	if raw := req.arg("blocks"); !isEmptyJSONList(raw) {
		b, e := parseBlocks(raw, salt)
		if e != nil {
			return c, e
		}
		c.blocks = b
	}
	if raw := req.arg("attachments"); !isEmptyJSONList(raw) {
		a, e := parseAttachments(raw)
		if e != nil {
			return c, e
		}
		c.attachments = a
	}
	return c, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// threadLocked resolves a thread_ts argument to its top-level parent's ts. A ts that
// is no message in ch answers cannot_reply_to_message.
func threadLocked(ch *channel, threadTS string) (string, *apiError) {
	if threadTS == "" {
		return "", nil
	}
	parent, ok := ch.threadParent(threadTS)
	if !ok {
		return "", errCode("cannot_reply_to_message")
	}
	return parent.ts, nil
}

// parseAttachments decodes a legacy attachments argument and numbers the attachments
// ("id": 1, 2, ...) as Slack does.
func parseAttachments(raw string) (json.RawMessage, *apiError) {
	var list []map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil || dec.More() {
		return nil, errCode("invalid_attachments")
	}
	if len(list) > maxAttachments {
		return nil, errCode("too_many_attachments")
	}
	for i, a := range list {
		a["id"] = i + 1
	}
	out, _ := json.Marshal(list)
	return out, nil
}

// isEmptyJSONList reports whether raw is absent, null or [].
func isEmptyJSONList(raw string) bool {
	t := strings.TrimSpace(raw)
	return t == "" || t == "null" || t == "[]"
}

// button is a clickable button found in a message's blocks.
type button struct {
	blockID string
	element map[string]any
}

// findButton looks for a button with actionID in actions blocks and section accessories.
func findButton(blocks json.RawMessage, actionID string) (button, bool) {
	var list []map[string]any
	dec := json.NewDecoder(bytes.NewReader(blocks))
	dec.UseNumber()
	if len(blocks) == 0 || dec.Decode(&list) != nil {
		return button{}, false
	}
	for _, b := range list {
		blockID, _ := b["block_id"].(string)
		var candidates []any
		switch b["type"] {
		case "actions":
			candidates, _ = b["elements"].([]any)
		case "section":
			if acc, ok := b["accessory"]; ok {
				candidates = []any{acc}
			}
		}
		for _, c := range candidates {
			e, _ := c.(map[string]any)
			if e["type"] == "button" && e["action_id"] == actionID {
				return button{blockID: blockID, element: e}, true
			}
		}
	}
	return button{}, false
}
