package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
)

const commandResults = 5

// shareFlag, anywhere in a command's text, posts the answer to the channel instead of only to
// the person who asked.
const shareFlag = "--share"

func usage(cmd string) string {
	if cmd == "" {
		cmd = "/tacoma"
	}
	return strings.Join([]string{
		"*Tacoma* finds past outages like the one you are fighting.",
		fmt.Sprintf("• `%s search TEXT`: the past outages most like what you see (symptoms, errors, alert names)", cmd),
		fmt.Sprintf("• `%s story ID`: one past outage in full", cmd),
		fmt.Sprintf("• `%s checklist [CLASS]`: what to check, mitigate and fix for a failure class; no class lists them", cmd),
		fmt.Sprintf("• `%s postmortem [TEMPLATE]`: draft the postmortem from this channel's history; `%s postmortem done` keeps it (or the edited file you uploaded) so Tacoma suggests it next time; `%s postmortem templates` lists templates", cmd, cmd, cmd),
		fmt.Sprintf("• `%s help`: this help", cmd),
		fmt.Sprintf("Answers are shown only to you; add `%s` to post them to the channel. Mention @Tacoma in a thread to ask about that thread.", shareFlag),
	}, "\n")
}

// HandleCommand answers /tacoma. Empty or unknown input gets the usage, never silence.
func (h *Handler) HandleCommand(ctx context.Context, c bot.Command) (*bot.Reply, error) {
	var words []string
	share := false
	for _, w := range strings.Fields(c.Text) {
		if w == shareFlag {
			share = true
			continue
		}
		words = append(words, w)
	}
	reply, err := h.command(ctx, c, words)
	if err != nil || reply == nil {
		return reply, err
	}
	reply.InChannel = share
	return reply, nil
}

func (h *Handler) command(ctx context.Context, c bot.Command, words []string) (*bot.Reply, error) {
	cmd := c.Command
	if len(words) == 0 {
		return textReply(usage(cmd)), nil
	}
	sub, args := strings.ToLower(words[0]), words[1:]
	switch sub {
	case "help":
		return textReply(usage(cmd)), nil
	case "search":
		return h.searchCommand(ctx, cmd, strings.Join(args, " "))
	case "story":
		return h.storyCommand(cmd, args)
	case "checklist":
		return h.checklistCommand(cmd, args)
	case "postmortem":
		if h.pm == nil {
			return textReply("Postmortem drafts need Tacoma's store, which this process runs without."), nil
		}
		return h.pm.command(ctx, c, args)
	}
	return textReply(fmt.Sprintf("I don't know `%s %s`.\n%s", cmd, sub, usage(cmd))), nil
}

func (h *Handler) searchCommand(ctx context.Context, cmd, text string) (*bot.Reply, error) {
	if strings.TrimSpace(text) == "" {
		return textReply(fmt.Sprintf("What should I look for? Try `%s search dns lookups take 5 seconds`.", cmd)), nil
	}
	res, err := h.match.Search(ctx, cleanSlackText(text), commandResults)
	if errors.Is(err, knowledge.ErrEmptyQuery) {
		return textReply("Every word in that is too common to search on. Describe the symptom, paste an error or an alert name."), nil
	}
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return textReply("No past outage matches that. Try the symptom in other words, or paste an error as it appears."), nil
	}
	// Asked for, every result is shown: the team's postmortems first, then the catalog's.
	l := split(res)
	r := &bot.Reply{Text: fmt.Sprintf("Past outages like %q", text)}
	if len(l.team) > 0 {
		r.Sections = append(r.Sections, storySections(l.team, headerSearchTeam+text)...)
	}
	if len(l.catalog) > 0 {
		r.Sections = append(r.Sections, storySections(l.catalog, headerSearchCatalog+text)...)
	}
	return r, nil
}

func (h *Handler) storyCommand(cmd string, args []string) (*bot.Reply, error) {
	if len(args) != 1 {
		return textReply(fmt.Sprintf("Which story? `%s story ID`, for example `%s story zalando-dns-outage-2019`; `%s search` shows ids.", cmd, cmd, cmd)), nil
	}
	s, err := h.match.Story(strings.ToLower(args[0]))
	if errors.Is(err, knowledge.ErrNotFound) {
		return textReply(fmt.Sprintf("No story with id `%s`. `%s search TEXT` shows ids.", args[0], cmd)), nil
	}
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: s.Title, Sections: storyDetail(s)}, nil
}

func (h *Handler) checklistCommand(cmd string, args []string) (*bot.Reply, error) {
	cat := h.match.Catalog()
	if len(args) == 0 {
		var b strings.Builder
		for _, c := range cat.Classes() {
			cl, _ := cat.Checklist(c)
			fmt.Fprintf(&b, "• `%s`: %s\n", c, cl.Name)
		}
		return &bot.Reply{Text: "Failure classes", Sections: []bot.Section{{Header: "Failure classes", Text: b.String(), Context: fmt.Sprintf("`%s checklist CLASS` shows one", cmd)}}}, nil
	}
	cl, err := cat.Checklist(strings.ToLower(args[0]))
	if errors.Is(err, knowledge.ErrNotFound) {
		return textReply(fmt.Sprintf("No failure class `%s`. Known classes: %s.", args[0], strings.Join(cat.Classes(), ", "))), nil
	}
	if err != nil {
		return nil, err
	}
	return &bot.Reply{Text: cl.Name + " checklist", Sections: checklistSections(cl, false)}, nil
}

func textReply(text string) *bot.Reply {
	return &bot.Reply{Text: text, Sections: []bot.Section{{Text: text}}}
}
