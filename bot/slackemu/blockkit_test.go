package slackemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	section := func(s string) slack.Block { return slack.NewSectionBlock(md(s), nil, nil) }
	button := func(id, text, value string) slack.BlockElement {
		return slack.NewButtonBlockElement(id, value, plain(text))
	}
	many := func(n int, b func(int) slack.Block) []slack.Block {
		out := make([]slack.Block, n)
		for i := range out {
			out[i] = b(i)
		}
		return out
	}
	fields := make([]*slack.TextBlockObject, 11)
	for i := range fields {
		fields[i] = md("f")
	}
	buttons := make([]slack.BlockElement, 26)
	for i := range buttons {
		buttons[i] = button(fmt.Sprintf("b%d", i), "ok", "")
	}
	tests := []struct {
		name   string
		blocks []slack.Block
		want   []string // nil: accepted
	}{
		{"valid", []slack.Block{slack.NewHeaderBlock(plain("Incident")), section("*db-1* is down"), slack.NewDividerBlock(),
			slack.NewActionBlock("acts", button("ack", "Acknowledge", "inc-1"))}, nil},
		{"50 blocks", many(50, func(int) slack.Block { return slack.NewDividerBlock() }), nil},
		{"51 blocks", many(51, func(int) slack.Block { return slack.NewDividerBlock() }),
			[]string{"no more than 50 items allowed [json-pointer:/blocks]"}},
		{"section text 3000", []slack.Block{section(strings.Repeat("a", 3000))}, nil},
		{"section text 3001", []slack.Block{section(strings.Repeat("a", 3001))},
			[]string{"must be less than 3001 characters [json-pointer:/blocks/0/text/text]"}},
		{"header 151", []slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 151)))},
			[]string{"must be less than 151 characters [json-pointer:/blocks/0/text/text]"}},
		{"header mrkdwn", []slack.Block{slack.NewHeaderBlock(md("h"))},
			[]string{"must be plain_text [json-pointer:/blocks/0/text/type]"}},
		{"11 fields", []slack.Block{slack.NewSectionBlock(nil, fields, nil)},
			[]string{"no more than 10 items allowed [json-pointer:/blocks/0/fields]"}},
		{"field 2001", []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{md(strings.Repeat("f", 2001))}, nil)},
			[]string{"must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"}},
		{"26 buttons", []slack.Block{slack.NewActionBlock("", buttons...)},
			[]string{"no more than 25 items allowed [json-pointer:/blocks/0/elements]"}},
		{"button text 76", []slack.Block{slack.NewActionBlock("", button("a", strings.Repeat("t", 76), ""))},
			[]string{"must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"}},
		{"action_id 256", []slack.Block{slack.NewActionBlock("", button(strings.Repeat("i", 256), "ok", ""))},
			[]string{"must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"}},
		{"value 2001", []slack.Block{slack.NewActionBlock("", button("a", "ok", strings.Repeat("v", 2001)))},
			[]string{"must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"}},
		{"duplicate block_id", []slack.Block{slack.NewDividerBlock(), slack.NewDividerBlock()}, nil},
		{"duplicate explicit block_id", []slack.Block{slack.NewActionBlock("x", button("a", "ok", "")), slack.NewActionBlock("x", button("b", "ok", ""))},
			[]string{`duplicate block_id "x" [json-pointer:/blocks/1/block_id]`}},
		{"two problems", []slack.Block{section(strings.Repeat("a", 3001)), slack.NewHeaderBlock(plain(strings.Repeat("h", 151)))},
			[]string{"must be less than 3001 characters [json-pointer:/blocks/0/text/text]", "must be less than 151 characters [json-pointer:/blocks/1/text/text]"}},
	}
	for _, tt := range tests {
		_, _, err := w.api.PostMessage(w.ops.ID, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
		if diff := cmp.Diff(tt.want, blockErrors(t, err)); diff != "" {
			t.Errorf("%s: invalid_blocks errors (-want +got):\n%s", tt.name, diff)
		}
	}
}

// blockErrors returns the errors[] of an invalid_blocks answer, nil for success.
func blockErrors(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e slack.SlackErrorResponse
	if !errors.As(err, &e) || e.Err != "invalid_blocks" {
		t.Errorf("error = %v, want invalid_blocks", err)
		return nil
	}
	out := []string{}
	for _, x := range e.Errors {
		if x.Message != nil {
			out = append(out, *x.Message)
		}
	}
	return out
}

func TestBlockKitRawViolations(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	tests := []struct {
		name, blocks string
		wantCode     string
		wantErrors   []string
	}{
		{"unknown block type", `[{"type":"banner","text":"x"}]`, "invalid_blocks", []string{"unsupported type: banner [json-pointer:/blocks/0/type]"}},
		{"missing type", `[{"text":{"type":"mrkdwn","text":"x"}}]`, "invalid_blocks", []string{"missing required field: type [json-pointer:/blocks/0]"}},
		{"unknown element", `[{"type":"actions","elements":[{"type":"slider","action_id":"s"}]}]`, "invalid_blocks", []string{"unsupported type: slider [json-pointer:/blocks/0/elements/0/type]"}},
		{"empty section", `[{"type":"section"}]`, "invalid_blocks", []string{"must provide either text or fields [json-pointer:/blocks/0]"}},
		{"empty text", `[{"type":"section","text":{"type":"mrkdwn","text":""}}]`, "invalid_blocks", []string{"must be more than 0 characters [json-pointer:/blocks/0/text/text]"}},
		{"bad style", `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"action_id":"a","style":"loud"}]}]`, "invalid_blocks", []string{"must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]"}},
		{"duplicate action_id", `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"action_id":"a"},{"type":"button","text":{"type":"plain_text","text":"y"},"action_id":"a"}]}]`, "invalid_blocks", []string{`duplicate action_id "a" [json-pointer:/blocks/0/elements/1/action_id]`}},
		{"malformed json", `[{"type":`, "invalid_blocks_format", nil},
		{"not a list", `{"type":"divider"}`, "invalid_blocks_format", nil},
	}
	for _, tt := range tests {
		got := rawCall(t, w.s, "chat.postMessage", "application/x-www-form-urlencoded",
			"token="+w.s.App().BotToken+"&channel="+w.ops.ID+"&blocks="+url.QueryEscape(tt.blocks), "")
		var errs []string
		if raw, ok := got["errors"]; ok {
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &errs)
		}
		if got["error"] != tt.wantCode || !cmp.Equal(errs, tt.wantErrors) {
			t.Errorf("%s: answer = %v, want %s %v", tt.name, got, tt.wantCode, tt.wantErrors)
		}
	}
}

func TestBlockIDsAdded(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	if _, _, err := w.api.PostMessage(w.ops.ID, slack.MsgOptionBlocks(slack.NewDividerBlock(), slack.NewDividerBlock())); err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(w.s.Messages(w.ops.ID)[0].Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0]["block_id"] == nil || blocks[0]["block_id"] == blocks[1]["block_id"] {
		t.Errorf("blocks = %v, want two distinct generated block_ids", blocks)
	}
}
