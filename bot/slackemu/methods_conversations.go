package slackemu

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Page sizes: conversations.history defaults to 100 and allows 999;
// conversations.replies defaults to and allows 1000 (docs.slack.dev method pages).
const (
	historyDefaultLimit = 100
	historyMaxLimit     = 999
	repliesDefaultLimit = 1000
	repliesMaxLimit     = 1000
)

func (s *Server) channelJSONLocked(ch *channel, numMembers bool) obj {
	topic := obj{"value": "", "creator": "", "last_set": 0}
	o := obj{
		"id": ch.ID, "name": ch.Name, "name_normalized": ch.Name, "created": ch.created,
		"creator": ch.creator, "is_channel": true, "is_group": false, "is_im": false,
		"is_mpim": false, "is_private": ch.Private, "is_archived": false, "is_general": false,
		"is_shared": false, "is_org_shared": false, "is_ext_shared": false,
		"is_pending_ext_shared": false, "unlinked": 0, "context_team_id": teamID,
		"shared_team_ids": []string{teamID}, "pending_shared": []string{},
		"previous_names": []string{}, "updated": ch.created * 1000,
		"is_member": ch.isMember(botUserID), "topic": topic, "purpose": topic,
	}
	if numMembers {
		o["num_members"] = len(ch.members)
	}
	return o
}

func (s *Server) conversationsInfo(req *apiRequest) (obj, *apiError) {
	ch := s.visibleChannelLocked(req.arg("channel"), false)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	if e := s.needScope(req.name, readScope(ch)); e != nil {
		return nil, e
	}
	return obj{"channel": s.channelJSONLocked(ch, req.boolArg("include_num_members"))}, nil
}

func (s *Server) conversationsJoin(req *apiRequest) (obj, *apiError) {
	ch := s.visibleChannelLocked(req.arg("channel"), false)
	switch {
	case ch == nil:
		return nil, errCode("channel_not_found")
	case ch.Private:
		return nil, errCode("method_not_supported_for_channel_type")
	case ch.isMember(botUserID):
		return obj{
			"channel": s.channelJSONLocked(ch, false), "warning": "already_in_channel",
			"response_metadata": obj{"warnings": []string{"already_in_channel"}},
		}, nil
	}
	ch.members = append(ch.members, botUserID)
	s.emitMemberJoinedLocked(ch, botUserID)
	s.notifyLocked()
	return obj{"channel": s.channelJSONLocked(ch, false)}, nil
}

// readableLocked is the check of the history methods: the channel must be visible,
// the history scope granted and the bot a member.
func (s *Server) readableLocked(req *apiRequest) (*channel, *apiError) {
	ch := s.visibleChannelLocked(req.arg("channel"), false)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	if e := s.needScope(req.name, historyScope(ch)); e != nil {
		return nil, e
	}
	if !ch.isMember(botUserID) {
		return nil, errCode("not_in_channel")
	}
	return ch, nil
}

// window is the oldest/latest/inclusive filter of the history methods.
type window struct {
	oldest, latest int64
	inclusive      bool
}

func parseWindow(req *apiRequest) (window, *apiError) {
	w := window{latest: -1, inclusive: req.boolArg("inclusive")}
	if v := req.arg("oldest"); v != "" {
		us, ok := parseTS(v)
		if !ok {
			return w, errCode("invalid_ts_oldest")
		}
		w.oldest = us
	}
	if v := req.arg("latest"); v != "" {
		us, ok := parseTS(v)
		if !ok {
			return w, errCode("invalid_ts_latest")
		}
		w.latest = us
	}
	return w, nil
}

func (w window) contains(ts string) bool {
	us, _ := parseTS(ts)
	if us < w.oldest || (us == w.oldest && !w.inclusive && w.oldest != 0) {
		return false
	}
	if w.latest >= 0 && (us > w.latest || (us == w.latest && !w.inclusive)) {
		return false
	}
	return true
}

func parseLimit(req *apiRequest, def, maxN int) (int, *apiError) {
	v := req.arg("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] invalid value for limit: " + v}}
	case n <= 0:
		return def, nil
	}
	return min(n, maxN), nil
}

// Cursors are base64 of "next_ts:<ts>", like Slack's ("bmV4dF90czox...").
func encodeCursor(ts string) string {
	return base64.StdEncoding.EncodeToString([]byte("next_ts:" + ts))
}

func decodeCursor(c string) (int64, *apiError) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, errCode("invalid_cursor")
	}
	ts, ok := strings.CutPrefix(string(b), "next_ts:")
	us, valid := parseTS(ts)
	if !ok || !valid {
		return 0, errCode("invalid_cursor")
	}
	return us, nil
}

// conversationsHistory lists top-level messages newest first; thread replies appear
// only through their parents' reply_count and latest_reply.
func (s *Server) conversationsHistory(req *apiRequest) (obj, *apiError) {
	ch, e := s.readableLocked(req)
	if e != nil {
		return nil, e
	}
	limit, e := parseLimit(req, historyDefaultLimit, historyMaxLimit)
	if e != nil {
		return nil, e
	}
	w, e := parseWindow(req)
	if e != nil {
		return nil, e
	}
	var below int64 = -1
	if c := req.arg("cursor"); c != "" {
		if below, e = decodeCursor(c); e != nil {
			return nil, e
		}
	}
	var list []*message
	for _, m := range slices.Backward(ch.top) {
		us, _ := parseTS(m.ts)
		if w.contains(m.ts) && (below < 0 || us <= below) {
			list = append(list, m)
		}
	}
	return s.pageLocked(list, limit), nil
}

// conversationsReplies lists a thread: the parent first (on the first page only),
// then the replies oldest first.
func (s *Server) conversationsReplies(req *apiRequest) (obj, *apiError) {
	ch, e := s.readableLocked(req)
	if e != nil {
		return nil, e
	}
	parent, ok := ch.threadParent(req.arg("ts"))
	if !ok {
		return nil, errCode("thread_not_found")
	}
	limit, e := parseLimit(req, repliesDefaultLimit, repliesMaxLimit)
	if e != nil {
		return nil, e
	}
	w, e := parseWindow(req)
	if e != nil {
		return nil, e
	}
	var from int64 = -1
	if c := req.arg("cursor"); c != "" {
		if from, e = decodeCursor(c); e != nil {
			return nil, e
		}
	}
	var list []*message
	if from < 0 {
		list = append(list, parent)
	}
	for _, r := range parent.replies {
		us, _ := parseTS(r.ts)
		if w.contains(r.ts) && us >= from {
			list = append(list, r)
		}
	}
	return s.pageLocked(list, limit), nil
}

func (s *Server) pageLocked(list []*message, limit int) obj {
	next := ""
	if len(list) > limit {
		next = encodeCursor(list[limit].ts)
		list = list[:limit]
	}
	msgs := make([]wireMessage, 0, len(list))
	for _, m := range list {
		msgs = append(msgs, s.wireLocked(m))
	}
	return obj{
		"messages": msgs, "has_more": next != "", "pin_count": 0,
		"response_metadata": obj{"next_cursor": next},
	}
}
