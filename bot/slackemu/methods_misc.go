package slackemu

import (
	"slices"
	"strings"
)

func (s *Server) authTest(*apiRequest) (obj, *apiError) {
	return obj{
		"url": "https://" + teamDomain + ".slack.com/", "team": teamDomain, "user": botName,
		"team_id": teamID, "user_id": botUserID, "bot_id": botID, "is_enterprise_install": false,
	}, nil
}

func (s *Server) usersInfo(req *apiRequest) (obj, *apiError) {
	u := s.users[req.arg("user")]
	if u == nil {
		return nil, errCode("user_not_found")
	}
	profile := obj{
		"real_name": u.RealName, "real_name_normalized": u.RealName, "display_name": u.DisplayName,
		"display_name_normalized": u.DisplayName, "team": teamID, "avatar_hash": "g" + shortID(u.ID),
		"image_24": "", "image_32": "", "image_48": "", "image_72": "", "image_192": "", "image_512": "",
	}
	if u.IsBot {
		profile["bot_id"], profile["api_app_id"], profile["always_active"] = u.BotID, appID, true
	}
	return obj{"user": obj{
		"id": u.ID, "team_id": teamID, "name": u.Name, "deleted": false, "color": "9f69e7",
		"real_name": u.RealName, "tz": u.TZ, "tz_label": "Coordinated Universal Time",
		"tz_offset": 0, "profile": profile, "is_admin": false, "is_owner": false,
		"is_primary_owner": false, "is_restricted": false, "is_ultra_restricted": false,
		"is_bot": u.IsBot, "is_app_user": false, "updated": 1700000000,
		"is_email_confirmed": !u.IsBot, "who_can_share_contact_card": "EVERYONE",
	}}, nil
}

// reactionsAdd adds the bot's reaction to a message.
func (s *Server) reactionsAdd(req *apiRequest) (obj, *apiError) {
	if req.arg("channel") == "" || req.arg("timestamp") == "" {
		return nil, errCode("no_item_specified")
	}
	ch := s.visibleChannelLocked(req.arg("channel"), false)
	if ch == nil {
		return nil, errCode("channel_not_found")
	}
	if _, ok := parseTS(req.arg("timestamp")); !ok {
		return nil, errCode("bad_timestamp")
	}
	m := ch.byTS[req.arg("timestamp")]
	if m == nil {
		return nil, errCode("message_not_found")
	}
	name := strings.Trim(req.arg("name"), ":")
	if name == "" || strings.ContainsAny(name, " :\t\n") {
		return nil, errCode("invalid_name")
	}
	i := slices.IndexFunc(m.reactions, func(r reaction) bool { return r.name == name })
	switch {
	case i < 0:
		m.reactions = append(m.reactions, reaction{name: name, users: []string{botUserID}})
	case slices.Contains(m.reactions[i].users, botUserID):
		return nil, errCode("already_reacted")
	default:
		m.reactions[i].users = append(m.reactions[i].users, botUserID)
	}
	s.notifyLocked()
	return obj{}, nil
}
