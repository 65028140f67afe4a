package handlers

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// HandleAction records a responder's verdict on a suggested story and thanks them privately.
func (h *Handler) HandleAction(ctx context.Context, a bot.Action) (*bot.Reply, error) {
	verdict := ""
	switch a.ActionID {
	case ActionHelpful:
		verdict = knowledge.Helpful
	case ActionNotRelevant:
		verdict = knowledge.NotRelevant
	default:
		return nil, nil
	}
	s, err := h.match.Story(a.Value)
	if err != nil {
		return textReply("That story is no longer in the catalog; nothing was recorded."), nil
	}
	thread := a.ThreadTS
	if thread == "" {
		thread = a.MessageTS
	}
	h.mu.Lock()
	query := h.thread(a.Channel, thread).query
	h.mu.Unlock()
	fb := knowledge.Feedback{StoryID: s.ID, Verdict: verdict, User: a.User, Channel: a.Channel, Thread: thread, Query: query, At: h.now().UTC()}
	if h.feedback != nil {
		if err := h.feedback.RecordFeedback(ctx, fb); err != nil {
			return nil, fmt.Errorf("record feedback: %w", err)
		}
	}
	if err := h.match.Learn(fb); err != nil {
		h.log.Warn("feedback not learned", zap.String("story", s.ID), zap.Error(err))
	}
	h.log.Info("feedback recorded", zap.String("story", s.ID), zap.String("verdict", verdict), zap.String("channel", a.Channel))
	if verdict == knowledge.Helpful {
		return textReply(fmt.Sprintf("Thanks: *%s* marked helpful.", mrkdwnEscape(s.Title))), nil
	}
	return textReply(fmt.Sprintf("Thanks: *%s* marked not relevant here.", mrkdwnEscape(s.Title))), nil
}
