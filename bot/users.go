package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// UserName returns the name people know a user by: the real name, else the display name,
// else the user name (the ID itself if Slack has none of them). Names are cached for the
// Bot's life, as a postmortem names the same few people many times; a rename shows after
// a restart. Safe for concurrent use; rate limits are waited out while ctx lasts.
func (b *Bot) UserName(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", errors.New("users.info: empty user ID")
	}
	b.mu.Lock()
	name, ok := b.users[userID]
	b.mu.Unlock()
	if ok {
		return name, nil
	}
	var u *slack.User
	err := b.call(ctx, "users.info", func() error {
		var err error
		u, err = b.api.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("name of %s: %w", userID, err)
	}
	name = userID
	for _, n := range []string{u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name} {
		if n != "" {
			name = n
			break
		}
	}
	b.mu.Lock()
	if b.users == nil {
		b.users = map[string]string{}
	}
	b.users[userID] = name
	b.mu.Unlock()
	return name, nil
}
