package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

func TestSaveAndRead(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		tests := []struct {
			name string
			p    *postmortem.Postmortem
		}{
			{"every field", sample(1)},
			{"only an ID", &postmortem.Postmortem{ID: "bare"}},
			{"empty markdown and odd text", &postmortem.Postmortem{ID: "odd", Title: "tab\tquote' \"; DROP TABLE x; --", Summary: "nul \x00 in the document"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := time.Now()
				if err := s.SavePostmortem(t.Context(), tt.p); err != nil {
					t.Fatalf("SavePostmortem: %v", err)
				}
				got, err := s.Postmortem(t.Context(), tt.p.ID)
				if err != nil {
					t.Fatalf("Postmortem(%q): %v", tt.p.ID, err)
				}
				if diff := cmp.Diff(tt.p, got); diff != "" {
					t.Errorf("Postmortem(%q) differs from what was saved (-saved +read):\n%s", tt.p.ID, diff)
				}
				if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC || got.Started.Location() != time.UTC {
					t.Errorf("Postmortem(%q) times in %v, %v, %v; want UTC", tt.p.ID, got.CreatedAt.Location(), got.UpdatedAt.Location(), got.Started.Location())
				}
				if got.UpdatedAt.Before(before.Truncate(time.Microsecond)) {
					t.Errorf("UpdatedAt = %v, before the save began (%v)", got.UpdatedAt, before)
				}
			})
		}
	})
}

func TestSaveKeepsCreatedAt(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := t.Context()
		given := base.Add(456 * time.Nanosecond)
		tests := []struct {
			name      string
			createdAt time.Time // what the caller sets before the first save
			want      time.Time // zero: the time of the first save
		}{
			{"zero becomes now", time.Time{}, time.Time{}},
			{"given is kept, in UTC to the microsecond", given, given.UTC().Truncate(time.Microsecond)},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := sample(i)
				p.CreatedAt = tt.createdAt
				before := time.Now().Truncate(time.Microsecond)
				if err := s.SavePostmortem(ctx, p); err != nil {
					t.Fatal(err)
				}
				after := time.Now()
				want := tt.want
				if want.IsZero() {
					if p.CreatedAt.Before(before) || p.CreatedAt.After(after) {
						t.Fatalf("CreatedAt = %v, want between %v and %v", p.CreatedAt, before, after)
					}
					want = p.CreatedAt
				}
				firstUpdate := p.UpdatedAt
				p.CreatedAt = base.Add(-24 * time.Hour) // a replace must not move it
				p.Title = "renamed"
				if err := s.SavePostmortem(ctx, p); err != nil {
					t.Fatal(err)
				}
				got := mustGet(t, s, p.ID)
				if !got.CreatedAt.Equal(want) || !p.CreatedAt.Equal(want) {
					t.Errorf("CreatedAt stored %v, in caller %v; want %v", got.CreatedAt, p.CreatedAt, want)
				}
				if got.UpdatedAt.Before(firstUpdate) || !got.UpdatedAt.Equal(p.UpdatedAt) {
					t.Errorf("UpdatedAt stored %v, in caller %v; want equal and not before %v", got.UpdatedAt, p.UpdatedAt, firstUpdate)
				}
				if got.Title != "renamed" {
					t.Errorf("Title = %q, want the replaced one", got.Title)
				}
			})
		}
	})
}

func TestReplace(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := t.Context()
		p := sample(3) // final, channel C003
		if err := s.SavePostmortem(ctx, p); err != nil {
			t.Fatal(err)
		}
		q := sample(4)
		q.ID, q.Status, q.Channel = p.ID, postmortem.Draft, "C-new"
		if err := s.SavePostmortem(ctx, q); err != nil {
			t.Fatal(err)
		}
		got, err := s.Postmortem(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(q, got); diff != "" {
			t.Errorf("after replace (-want +got):\n%s", diff)
		}
		counts := map[string]int{"": 1, postmortem.Draft: 1, postmortem.Final: 0}
		for status, want := range counts {
			if n, err := s.CountPostmortems(ctx, status); err != nil || n != want {
				t.Errorf("CountPostmortems(%q) = %d, %v; want %d", status, n, err, want)
			}
		}
		if _, err := s.LatestPostmortem(ctx, p.Channel); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LatestPostmortem(old channel) = %v, want ErrNotFound", err)
		}
	})
}

func TestNotFound(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		if err := s.SavePostmortem(t.Context(), sample(1)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			get  func() error
		}{
			{"Postmortem", func() error { _, err := s.Postmortem(t.Context(), "pm-999999"); return err }},
			{"LatestPostmortem", func() error { _, err := s.LatestPostmortem(t.Context(), "C-none"); return err }},
		}
		for _, tt := range tests {
			if err := tt.get(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s = %v, want ErrNotFound", tt.name, err)
			}
		}
	})
}

func TestSaveRefusesBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		bad := func(edit func(p *postmortem.Postmortem)) *postmortem.Postmortem {
			p := sample(7)
			edit(p)
			return p
		}
		tests := []struct {
			name string
			ps   []*postmortem.Postmortem
		}{
			{"empty ID", []*postmortem.Postmortem{bad(func(p *postmortem.Postmortem) { p.ID = "" })}},
			{"NUL in markdown", []*postmortem.Postmortem{bad(func(p *postmortem.Postmortem) { p.Markdown = "a\x00b" })}},
			{"invalid UTF-8 in title", []*postmortem.Postmortem{bad(func(p *postmortem.Postmortem) { p.Title = "\xff\xfe" })}},
			{"one bad in a batch saves none", []*postmortem.Postmortem{sample(1), bad(func(p *postmortem.Postmortem) { p.Channel = "\x00" })}},
		}
		for _, tt := range tests {
			if err := s.SavePostmortems(t.Context(), tt.ps); err == nil {
				t.Errorf("%s: SavePostmortems = nil, want an error", tt.name)
			}
		}
		if n, err := s.CountPostmortems(t.Context(), ""); err != nil || n != 0 {
			t.Errorf("CountPostmortems = %d, %v; want 0 after refused saves", n, err)
		}
	})
}

func TestSavePostmortemsBatch(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		var ps []*postmortem.Postmortem
		for i := range 50 {
			ps = append(ps, sample(i))
		}
		ps = append(ps, sample(0)) // the same ID twice: the later wins, the first CreatedAt stays
		ps[len(ps)-1].Title = "second copy"
		if err := s.SavePostmortems(t.Context(), ps); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountPostmortems(t.Context(), ""); err != nil || n != 50 {
			t.Errorf("CountPostmortems = %d, %v; want 50", n, err)
		}
		got, err := s.Postmortem(t.Context(), ps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "second copy" || !got.CreatedAt.Equal(ps[0].CreatedAt) || !ps[len(ps)-1].CreatedAt.Equal(ps[0].CreatedAt) {
			t.Errorf("duplicate in batch: title %q created %v; want the later title and CreatedAt %v", got.Title, got.CreatedAt, ps[0].CreatedAt)
		}
		if diff := cmp.Diff(ps[17], mustGet(t, s, ps[17].ID)); diff != "" {
			t.Errorf("batch member (-saved +read):\n%s", diff)
		}
	})
}

func mustGet(t *testing.T, s *store.Store, id string) *postmortem.Postmortem {
	t.Helper()
	p, err := s.Postmortem(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
