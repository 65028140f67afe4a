package slackemu

import (
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Block Kit limits (docs.slack.dev/reference/block-kit; slack-protocol.md §8).
const (
	maxBlocks         = 50
	maxSectionText    = 3000
	maxSectionFields  = 10
	maxFieldText      = 2000
	maxHeaderText     = 150
	maxActionElements = 25
	maxContextElems   = 10
	maxButtonText     = 75
	maxActionID       = 255
	maxBlockID        = 255
	maxButtonValue    = 2000
	maxButtonURL      = 3000
	maxAltText        = 2000
	maxMarkdownBlock  = 12000
	maxAttachments    = 100
)

// parseBlocks decodes and validates a blocks argument. Malformed JSON answers
// invalid_blocks_format; limit violations answer invalid_blocks with one
// "message [json-pointer:/blocks/...]" string per problem, as Slack does. The result
// has a block_id on every block, as Slack adds them.
func parseBlocks(raw, salt string) (json.RawMessage, *apiError) {
	var list []any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil || dec.More() {
		return nil, errCode("invalid_blocks_format")
	}
	v := blockValidator{ids: map[string]bool{}}
	v.blocks(list, "/blocks")
	if len(v.errs) > 0 {
		return nil, &apiError{code: "invalid_blocks", errors: v.errs}
	}
	for i, b := range list {
		m := b.(map[string]any)
		if _, ok := m["block_id"]; !ok {
			m["block_id"] = shortID(fmt.Sprintf("%s/%d", salt, i))
		}
	}
	out, err := json.Marshal(list)
	if err != nil {
		return nil, errCode("invalid_blocks_format")
	}
	return out, nil
}

// shortID is a stable 5-character ID, like the block_ids Slack generates.
func shortID(seed string) string {
	sum := sha1.Sum([]byte(seed))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:5]
}

type blockValidator struct {
	errs []string
	ids  map[string]bool
}

func (v *blockValidator) fail(ptr, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...)+" [json-pointer:"+ptr+"]")
}

func (v *blockValidator) blocks(list []any, ptr string) {
	if len(list) > maxBlocks {
		v.fail(ptr, "no more than %d items allowed", maxBlocks)
	}
	for i, b := range list {
		v.block(b, fmt.Sprintf("%s/%d", ptr, i))
	}
}

func (v *blockValidator) block(b any, ptr string) {
	m, ok := b.(map[string]any)
	if !ok {
		v.fail(ptr, "must provide an object")
		return
	}
	if id, present := m["block_id"]; present {
		s, ok := id.(string)
		switch {
		case !ok:
			v.fail(ptr+"/block_id", "must be a string")
		case v.maxLen(s, maxBlockID, ptr+"/block_id"):
		case v.ids[s]:
			v.fail(ptr+"/block_id", "duplicate block_id %q", s)
		default:
			v.ids[s] = true
		}
	}
	typ, _ := m["type"].(string)
	switch typ {
	case "section":
		v.section(m, ptr)
	case "header":
		v.textObject(m["text"], ptr+"/text", maxHeaderText, true)
	case "divider":
	case "actions":
		elems := v.list(m["elements"], ptr+"/elements", maxActionElements)
		v.elements(elems, ptr+"/elements")
	case "context":
		for i, e := range v.list(m["elements"], ptr+"/elements", maxContextElems) {
			p := fmt.Sprintf("%s/elements/%d", ptr, i)
			if em, ok := e.(map[string]any); ok && em["type"] == "image" {
				v.image(em, p)
				continue
			}
			v.textObject(e, p, maxSectionText, false)
		}
	case "image":
		v.image(m, ptr)
		if t, ok := m["title"]; ok {
			v.textObject(t, ptr+"/title", maxAltText, true)
		}
	case "markdown":
		s, _ := m["text"].(string)
		if s == "" {
			v.fail(ptr+"/text", "must be more than 0 characters")
		}
		v.maxLen(s, maxMarkdownBlock, ptr+"/text")
	case "rich_text":
		if _, ok := m["elements"].([]any); !ok {
			v.fail(ptr+"/elements", "missing required field: elements")
		}
	case "input":
		v.textObject(m["label"], ptr+"/label", maxFieldText, true)
		if el, ok := m["element"]; ok {
			v.element(el, ptr+"/element", map[string]bool{})
		} else {
			v.fail(ptr+"/element", "missing required field: element")
		}
	case "file", "video", "table":
		// Accepted as they are; the bot does not build them.
	case "":
		v.fail(ptr, "missing required field: type")
	default:
		v.fail(ptr+"/type", "unsupported type: %s", typ)
	}
}

func (v *blockValidator) section(m map[string]any, ptr string) {
	text, hasText := m["text"]
	fields, hasFields := m["fields"]
	if !hasText && !hasFields {
		v.fail(ptr, "must provide either text or fields")
	}
	if hasText {
		v.textObject(text, ptr+"/text", maxSectionText, false)
	}
	if hasFields {
		for i, f := range v.list(fields, ptr+"/fields", maxSectionFields) {
			v.textObject(f, fmt.Sprintf("%s/fields/%d", ptr, i), maxFieldText, false)
		}
	}
	if acc, ok := m["accessory"]; ok {
		v.element(acc, ptr+"/accessory", map[string]bool{})
	}
}

// list checks that x is a non-empty array of at most max items.
func (v *blockValidator) list(x any, ptr string, max int) []any {
	l, ok := x.([]any)
	switch {
	case !ok:
		v.fail(ptr, "must provide an array")
	case len(l) == 0:
		v.fail(ptr, "must provide at least 1 item")
	case len(l) > max:
		v.fail(ptr, "no more than %d items allowed", max)
	}
	return l
}

func (v *blockValidator) elements(list []any, ptr string) {
	seen := map[string]bool{}
	for i, e := range list {
		v.element(e, fmt.Sprintf("%s/%d", ptr, i), seen)
	}
}

var interactiveElements = map[string]bool{
	"static_select": true, "multi_static_select": true, "external_select": true,
	"multi_external_select": true, "users_select": true, "multi_users_select": true,
	"conversations_select": true, "multi_conversations_select": true, "channels_select": true,
	"multi_channels_select": true, "overflow": true, "datepicker": true, "timepicker": true,
	"datetimepicker": true, "checkboxes": true, "radio_buttons": true, "plain_text_input": true,
	"email_text_input": true, "url_text_input": true, "number_input": true,
	"rich_text_input": true, "workflow_button": true, "file_input": true,
}

// element validates a block element; seen holds the action_ids of its block.
func (v *blockValidator) element(x any, ptr string, seen map[string]bool) {
	m, ok := x.(map[string]any)
	if !ok {
		v.fail(ptr, "must provide an object")
		return
	}
	if id, present := m["action_id"]; present {
		s, _ := id.(string)
		if !v.maxLen(s, maxActionID, ptr+"/action_id") && seen[s] {
			v.fail(ptr+"/action_id", "duplicate action_id %q", s)
		}
		seen[s] = true
	}
	typ, _ := m["type"].(string)
	switch {
	case typ == "button":
		v.textObject(m["text"], ptr+"/text", maxButtonText, true)
		v.optString(m, "value", maxButtonValue, ptr)
		v.optString(m, "url", maxButtonURL, ptr)
		if st, ok := m["style"]; ok && st != "primary" && st != "danger" {
			v.fail(ptr+"/style", "must be one of primary, danger")
		}
	case typ == "image":
		v.image(m, ptr)
	case interactiveElements[typ]:
	case typ == "":
		v.fail(ptr, "missing required field: type")
	default:
		v.fail(ptr+"/type", "unsupported type: %s", typ)
	}
}

func (v *blockValidator) image(m map[string]any, ptr string) {
	_, hasURL := m["image_url"].(string)
	_, hasFile := m["slack_file"].(map[string]any)
	if !hasURL && !hasFile {
		v.fail(ptr+"/image_url", "missing required field: image_url")
	}
	alt, ok := m["alt_text"].(string)
	if !ok || alt == "" {
		v.fail(ptr+"/alt_text", "missing required field: alt_text")
	}
	v.maxLen(alt, maxAltText, ptr+"/alt_text")
}

// textObject validates {"type":"plain_text"|"mrkdwn","text":...} of at most max characters.
func (v *blockValidator) textObject(x any, ptr string, max int, plainOnly bool) {
	m, ok := x.(map[string]any)
	if !ok {
		v.fail(ptr, "must provide an object")
		return
	}
	switch m["type"] {
	case "plain_text":
	case "mrkdwn":
		if plainOnly {
			v.fail(ptr+"/type", "must be plain_text")
		}
	default:
		v.fail(ptr+"/type", "must be one of plain_text, mrkdwn")
	}
	s, ok := m["text"].(string)
	if !ok || s == "" {
		v.fail(ptr+"/text", "must be more than 0 characters")
		return
	}
	v.maxLen(s, max, ptr+"/text")
}

func (v *blockValidator) optString(m map[string]any, key string, max int, ptr string) {
	x, ok := m[key]
	if !ok {
		return
	}
	s, isString := x.(string)
	if !isString {
		v.fail(ptr+"/"+key, "must be a string")
		return
	}
	v.maxLen(s, max, ptr+"/"+key)
}

// maxLen fails and reports true if s has more than max characters.
func (v *blockValidator) maxLen(s string, max int, ptr string) bool {
	if utf8.RuneCountInString(s) > max {
		v.fail(ptr, "must be less than %d characters", max+1)
		return true
	}
	return false
}
