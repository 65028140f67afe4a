package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// saveAt saves postmortems with the given creation offsets from base, in that order, in one
// channel; IDs are id-<offset>-<position>.
func saveAt(t *testing.T, s *store.Store, channel, status string, minutes ...int) {
	t.Helper()
	for i, m := range minutes {
		p := &postmortem.Postmortem{
			ID: fmt.Sprintf("id-%02d-%d", m, i), Channel: channel, Status: status,
			CreatedAt: base.Add(time.Duration(m) * time.Minute),
		}
		if err := s.SavePostmortem(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLatestPostmortem(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		saveAt(t, s, "C1", postmortem.Draft, 10, 30, 20)
		saveAt(t, s, "C2", postmortem.Draft, 40)
		tests := []struct{ channel, want string }{
			{"C1", "id-30-1"},
			{"C2", "id-40-0"},
		}
		for _, tt := range tests {
			got, err := s.LatestPostmortem(t.Context(), tt.channel)
			if err != nil || got.ID != tt.want {
				t.Errorf("LatestPostmortem(%q) = %v, %v; want %s", tt.channel, got, err, tt.want)
			}
		}
	})
}

func TestEachAndCount(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		// Out of order, with a tie at minute 20 that the ID breaks.
		saveAt(t, s, "C1", postmortem.Draft, 30, 20, 10)
		saveAt(t, s, "C2", postmortem.Final, 20, 5)
		tests := []struct {
			status string
			want   []string
		}{
			{"", []string{"id-05-1", "id-10-2", "id-20-0", "id-20-1", "id-30-0"}},
			{postmortem.Draft, []string{"id-10-2", "id-20-1", "id-30-0"}},
			{postmortem.Final, []string{"id-05-1", "id-20-0"}},
			{"archived", nil},
		}
		for _, tt := range tests {
			var got []string
			err := s.EachPostmortem(t.Context(), tt.status, func(p *postmortem.Postmortem) error {
				got = append(got, p.ID)
				return nil
			})
			if err != nil {
				t.Errorf("EachPostmortem(%q): %v", tt.status, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("EachPostmortem(%q) (-want +got):\n%s", tt.status, diff)
			}
			if n, err := s.CountPostmortems(t.Context(), tt.status); err != nil || n != len(tt.want) {
				t.Errorf("CountPostmortems(%q) = %d, %v; want %d", tt.status, n, err, len(tt.want))
			}
		}
	})
}

func TestEachStopsOnError(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		saveAt(t, s, "C1", postmortem.Draft, 1, 2, 3, 4)
		stop := errors.New("enough")
		calls := 0
		err := s.EachPostmortem(t.Context(), "", func(*postmortem.Postmortem) error {
			calls++
			if calls == 2 {
				return stop
			}
			return nil
		})
		if err != stop || calls != 2 {
			t.Errorf("EachPostmortem = %v after %d calls, want %v after 2", err, calls, stop)
		}
		// The store is still usable: the aborted read released its connection.
		if n, err := s.CountPostmortems(t.Context(), ""); err != nil || n != 4 {
			t.Errorf("CountPostmortems after abort = %d, %v; want 4", n, err)
		}
	})
}

func TestEachWhileWriting(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		saveAt(t, s, "C1", postmortem.Draft, 1, 2, 3)
		var seen []string
		err := s.EachPostmortem(t.Context(), postmortem.Draft, func(p *postmortem.Postmortem) error {
			seen = append(seen, p.ID)
			p.Status = postmortem.Final
			if err := s.SavePostmortem(t.Context(), p); err != nil {
				return err
			}
			return s.SavePostmortem(t.Context(), &postmortem.Postmortem{ID: "new-" + p.ID, Status: postmortem.Draft, CreatedAt: base.Add(time.Hour)})
		})
		if err != nil {
			t.Fatalf("EachPostmortem with writes in fn: %v", err)
		}
		if want := []string{"id-01-0", "id-02-1", "id-03-2"}; !cmp.Equal(seen, want) {
			t.Errorf("EachPostmortem saw %v, want the snapshot %v", seen, want)
		}
		if n, err := s.CountPostmortems(t.Context(), postmortem.Final); err != nil || n != 3 {
			t.Errorf("CountPostmortems(final) = %d, %v; want 3", n, err)
		}
	})
}
