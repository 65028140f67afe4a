package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tacoma-bot/tacoma/knowledge"
)

func TestFeedback(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		ctx := t.Context()
		fb := func(story, verdict, channel string, minute int) knowledge.Feedback {
			return knowledge.Feedback{
				StoryID: story, Verdict: verdict, User: "U1", Channel: channel, Thread: "1700000000.000100",
				Query: "pods crashlooping after deploy", At: base.Add(time.Duration(minute)*time.Minute + 789*time.Nanosecond),
			}
		}
		// Recorded out of time order, with a tie (minute 5) kept in recording order.
		given := []knowledge.Feedback{
			fb("s3", knowledge.Helpful, "C2", 9),
			fb("s1", knowledge.Helpful, "C1", 5),
			fb("s2", knowledge.NotRelevant, "C1", 5),
			fb("s4", knowledge.NotRelevant, "C1", 1),
		}
		for _, f := range given {
			if err := s.RecordFeedback(ctx, f); err != nil {
				t.Fatalf("RecordFeedback(%s): %v", f.StoryID, err)
			}
		}
		stored := func(f knowledge.Feedback) knowledge.Feedback {
			f.At = f.At.UTC().Truncate(time.Microsecond)
			return f
		}
		tests := []struct {
			channel string
			want    []knowledge.Feedback
		}{
			{"", []knowledge.Feedback{stored(given[3]), stored(given[1]), stored(given[2]), stored(given[0])}},
			{"C1", []knowledge.Feedback{stored(given[3]), stored(given[1]), stored(given[2])}},
			{"C9", nil},
		}
		for _, tt := range tests {
			got, err := s.Feedback(ctx, tt.channel)
			if err != nil {
				t.Fatalf("Feedback(%q): %v", tt.channel, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Feedback(%q) (-want +got):\n%s", tt.channel, diff)
			}
		}
	})
}

func TestFeedbackZeroTimeIsNow(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		before := time.Now().Truncate(time.Microsecond)
		if err := s.RecordFeedback(t.Context(), knowledge.Feedback{StoryID: "s1", Verdict: knowledge.Helpful}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Feedback(t.Context(), "")
		if err != nil || len(got) != 1 {
			t.Fatalf("Feedback = %v, %v; want one verdict", got, err)
		}
		if at := got[0].At; at.Before(before) || at.After(time.Now()) || at.Location() != time.UTC {
			t.Errorf("At = %v, want now (after %v) in UTC", at, before)
		}
	})
}

func TestRecordFeedbackRefusesBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		tests := []struct {
			name    string
			fb      knowledge.Feedback
			wantErr string
		}{
			{"empty verdict", knowledge.Feedback{StoryID: "s1"}, `feedback verdict "": want "helpful" or "not_relevant"`},
			{"unknown verdict", knowledge.Feedback{StoryID: "s1", Verdict: "meh"}, `feedback verdict "meh"`},
			{"NUL in query", knowledge.Feedback{StoryID: "s1", Verdict: knowledge.Helpful, Query: "a\x00"}, "feedback query holds a NUL character"},
		}
		for _, tt := range tests {
			err := s.RecordFeedback(t.Context(), tt.fb)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: RecordFeedback = %v, want an error with %q", tt.name, err, tt.wantErr)
			}
		}
		if got, err := s.Feedback(t.Context(), ""); err != nil || len(got) != 0 {
			t.Errorf("Feedback = %v, %v; want none after refused verdicts", got, err)
		}
	})
}
