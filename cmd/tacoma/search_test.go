package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge"
)

const teamQuery = "coredns OOMKilled and dns lookups time out"

// teamIndex is the embedded catalog plus n of the team's postmortems of one DNS failure; the
// first tells it in teamQuery's words, so that it ranks first.
func teamIndex(t *testing.T, n int) *knowledge.Index {
	t.Helper()
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := knowledge.NewIndex(cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	for i := range n {
		symptom := "coredns pods OOMKilled, payments dns lookups time out after 5 seconds"
		if i == 0 {
			symptom = teamQuery
		}
		err := idx.Add(&knowledge.Story{
			ID: fmt.Sprintf("inc-checkout-dns-%d", i+1), Title: fmt.Sprintf("Checkout DNS incident %d", i+1),
			Organization: "Your team, #inc-checkout-dns", Year: 2025, Classes: []string{"dns"},
			Symptoms: []string{symptom}, Origin: knowledge.OriginTeam,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return idx
}

func TestSearchTeamSections(t *testing.T) {
	tests := []struct {
		name   string
		team   int
		asJSON bool
	}{
		{"text_catalog_only", 0, false},
		{"text_one_team", 1, false},
		{"text_team_with_similar", 3, false},
		{"json_team_with_similar", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := teamIndex(t, tt.team).Search(t.Context(), teamQuery, 2)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := printResults(&out, res, tt.asJSON); err != nil {
				t.Fatalf("printResults() = %v", err)
			}
			golden(t, out.String())
		})
	}
}

// TestSearchJSONKeepsItsShape checks that team results only add keys: the catalog's entries
// keep exactly the keys they always had, and TestSearchJSONShape's golden file holds them
// byte for byte.
func TestSearchJSONKeepsItsShape(t *testing.T) {
	res, err := teamIndex(t, 3).Search(t.Context(), teamQuery, 2)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printResults(&out, res, true); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Results []map[string]json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("decode %q: %v", out.String(), err)
	}
	var keys []string
	for _, r := range got.Results {
		var ks []string
		for k := range r {
			ks = append(ks, k)
		}
		keys = append(keys, strings.Join(sorted(ks), " "))
	}
	const old = "classes id organization score title url why year"
	want := []string{old, old, "classes id organization origin score similar title url why year"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys of each result (-want +got):\n%s", diff)
	}
}
