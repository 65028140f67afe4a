package bot_test

import (
	"strings"
	"testing"
)

func TestUserName(t *testing.T) {
	r := newReader(t)
	carol := r.emu.AddUser("carol", "")
	dan := r.emu.AddUser("dan", "")
	if err := r.emu.SetDisplayName(dan.ID, "dan-sre"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, give, want string
	}{
		{"real name", r.users[0].ID, "Alice Responder"},
		{"display name without a real name", dan.ID, "dan-sre"},
		{"user name alone", carol.ID, "carol"},
	}
	for range 2 { // the second round comes from the cache
		for _, tt := range tests {
			if got, err := r.bot.UserName(ctxFor(t), tt.give); err != nil || got != tt.want {
				t.Errorf("%s: UserName(%s) = %q, %v, want %q", tt.name, tt.give, got, err, tt.want)
			}
		}
	}
	if n := r.emu.Calls("users.info"); n != len(tests) {
		t.Errorf("users.info called %d times for %d users asked twice, want once each", n, len(tests))
	}
	if _, err := r.bot.UserName(ctxFor(t), "U404"); err == nil || !strings.Contains(err.Error(), "user_not_found") {
		t.Errorf("UserName(unknown) = %v, want user_not_found", err)
	}
}
