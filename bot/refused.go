package bot

import (
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// permanentCodes are the apps.connections.open errors no retry can mend: the token or the app
// must change (https://docs.slack.dev/reference/methods/apps.connections.open). slack-go stops
// by itself only on invalid_auth, account_inactive, not_authed and token_revoked; on the rest
// it would retry with backoff forever, and the bot would look up while it can never connect.
var permanentCodes = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "not_allowed_token_type": true, "forbidden_team": true,
	"missing_scope": true, "no_permission": true, "access_denied": true,
}

// refused returns Run's error when evt is a connection error that retrying cannot mend.
func refused(evt socketmode.Event) error {
	if evt.Type != socketmode.EventTypeConnectionError {
		return nil
	}
	ce, ok := evt.Data.(*slack.ConnectionErrorEvent)
	if !ok {
		return nil
	}
	return refusal(ce.ErrorObj)
}

// refusal names a permanent apps.connections.open error and what to check; nil for others.
// Slack's error codes never carry the token, so the error is safe to print.
func refusal(err error) error {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || !permanentCodes[se.Err] {
		return nil
	}
	return fmt.Errorf("socket mode: slack refused the app-level token (is SLACK_APP_TOKEN an xapp- token of this app with connections:write?): %s", se.Err)
}
