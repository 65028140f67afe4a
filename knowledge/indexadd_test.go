package knowledge_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func TestAddMatchesTeamStoryAndRemoveForgetsIt(t *testing.T) {
	x := newIndex(t)
	ctx := context.Background()
	const query = "the ledger reconciler deadlocks on the invoices table every night at 02:00"
	team := &knowledge.Story{
		ID: "pm-ledger-deadlock", Title: "Ledger reconciler deadlock",
		Symptoms: []string{"the ledger reconciler deadlocks on the invoices table", "nightly batch stuck at 02:00"},
		Cause:    "two reconciler replicas locked invoices rows in opposite order",
		Origin:   knowledge.OriginTeam,
	}
	if err := x.Add(team); err != nil {
		t.Fatal(err)
	}
	res, err := x.Search(ctx, query, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The catalog's three come first, then the team's own list.
	if len(res) != 4 || res[3].Story.ID != team.ID || !res[3].Story.Team() || len(res[3].Why) == 0 || !res[3].Confident() {
		t.Fatalf("after Add, results = %+v, want the catalog's 3 then the team story, confident, with reasons", res)
	}
	for _, r := range res[:3] {
		if r.Story.Team() {
			t.Errorf("team story %s in the catalog's list", r.Story.ID)
		}
	}
	if s, err := x.Story(team.ID); err != nil || !reflect.DeepEqual(s, team) {
		t.Errorf("Story(%s) = %+v, %v; want %+v", team.ID, s, err, team)
	}

	team2 := *team
	team2.Title = "Ledger reconciler deadlock (final)"
	if err := x.Add(&team2); err != nil {
		t.Fatal(err)
	}
	if x.Added() != 1 {
		t.Errorf("Added() = %d after replacing, want 1", x.Added())
	}
	if err := x.Remove(team.ID); err != nil {
		t.Fatal(err)
	}
	res, _ = x.Search(ctx, query, 3)
	for _, r := range res {
		if r.Story.ID == team.ID {
			t.Errorf("removed story still matched: %+v", r)
		}
	}
	if _, err := x.Story(team.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("Story after Remove: err = %v, want ErrNotFound", err)
	}
}

func TestAddRefusesCatalogIDsAndEmptyIDs(t *testing.T) {
	x := newIndex(t)
	catalogID := x.Catalog().Stories()[0].ID
	for _, s := range []*knowledge.Story{{ID: catalogID, Title: "shadow"}, {ID: " ", Title: "no id"}} {
		if err := x.Add(s); err == nil {
			t.Errorf("Add(%q) succeeded, want an error", s.ID)
		}
	}
	if _, err := x.Story(catalogID); err != nil {
		t.Errorf("catalog story lost: %v", err)
	}
}
