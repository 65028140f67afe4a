package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits, from https://docs.slack.dev/reference/block-kit/blocks and the pages of each
// block type. Slack rejects a message that breaks one (invalid_blocks), so rendering truncates.
const (
	maxBlocks       = 50
	maxSectionText  = 3000
	maxHeaderText   = 150
	maxContextText  = 2000
	maxButtonText   = 75
	maxButtonValue  = 2000
	maxActionsItems = 25
	maxFallbackText = 3000
)

// renderBlocks turns a Reply into Block Kit: the only place Tacoma builds Slack blocks.
func renderBlocks(r *Reply) []slack.Block {
	var blocks []slack.Block
	for _, s := range r.Sections {
		if s.Header != "" {
			blocks = append(blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(s.Header, maxHeaderText), true, false)))
		}
		if body := sectionText(s); body != "" {
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(body, maxSectionText), false, false), nil, nil))
		}
		if s.Context != "" {
			blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clip(s.Context, maxContextText), false, false)))
		}
		if len(s.Buttons) > 0 {
			var els []slack.BlockElement
			for i, b := range s.Buttons {
				if i == maxActionsItems {
					break
				}
				btn := slack.NewButtonBlockElement(b.ActionID, clip(b.Value, maxButtonValue), slack.NewTextBlockObject(slack.PlainTextType, clip(b.Text, maxButtonText), true, false))
				if b.Style != "" {
					btn.Style = slack.Style(b.Style)
				}
				els = append(els, btn)
			}
			blocks = append(blocks, slack.NewActionBlock("", els...))
		}
		if s.Divider {
			blocks = append(blocks, slack.NewDividerBlock())
		}
	}
	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}
	return blocks
}

func sectionText(s Section) string {
	var b strings.Builder
	switch {
	case s.Title != "" && s.Link != "":
		fmt.Fprintf(&b, "*<%s|%s>*", s.Link, escapeMrkdwn(s.Title))
	case s.Title != "":
		fmt.Fprintf(&b, "*%s*", escapeMrkdwn(s.Title))
	}
	if s.Text != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

// escapeMrkdwn escapes the three characters Slack's mrkdwn treats as control characters.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func fallback(r *Reply) string {
	if r.Text != "" {
		return clip(r.Text, maxFallbackText)
	}
	for _, s := range r.Sections {
		if t := s.Title + s.Header; t != "" {
			return clip(t, maxFallbackText)
		}
	}
	return "Tacoma"
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// BlocksText renders Block Kit JSON as plain text, the way a person would read the message: for
// the playground and for tests that read what the bot posted.
func BlocksText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", fmt.Errorf("decode blocks: %w", err)
	}
	var lines []string
	for _, b := range blocks.BlockSet {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			lines = append(lines, "== "+b.Text.Text+" ==")
		case *slack.SectionBlock:
			if b.Text != nil {
				lines = append(lines, unlink(b.Text.Text))
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, unlink(t.Text))
				}
			}
			lines = append(lines, "   "+strings.Join(parts, " "))
		case *slack.ActionBlock:
			var parts []string
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					parts = append(parts, "["+btn.Text.Text+"]")
				}
			}
			lines = append(lines, "   "+strings.Join(parts, " "))
		case *slack.DividerBlock:
			lines = append(lines, "   ---")
		}
	}
	return strings.Join(lines, "\n"), nil
}

// unlink turns Slack's <url|label> links into "label (url)" for plain text.
func unlink(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<")
		j := strings.Index(s[max(i, 0):], ">")
		if i < 0 || j < 0 {
			b.WriteString(s)
			break
		}
		j += i
		b.WriteString(s[:i])
		inner := s[i+1 : j]
		if url, label, ok := strings.Cut(inner, "|"); ok {
			fmt.Fprintf(&b, "%s (%s)", label, url)
		} else {
			b.WriteString(inner)
		}
		s = s[j+1:]
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
}
