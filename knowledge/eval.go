package knowledge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// EvalCase is one labelled query: a responder's message or an alert payload file, and the
// stories that a good matcher ranks near the top. An empty Want means no story fits.
type EvalCase struct {
	ID      string   `yaml:"id"`
	Text    string   `yaml:"text,omitempty"`
	Payload string   `yaml:"payload,omitempty"` // relative to the set's file
	Want    []string `yaml:"want"`
	Note    string   `yaml:"note,omitempty"`
}

// EvalSet is one file of cases.
type EvalSet struct {
	Path  string
	Cases []EvalCase `yaml:"cases"`
}

// LoadEvalSet reads an evaluation file, checking every case names a text or a payload.
func LoadEvalSet(path string) (*EvalSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read evaluation set: %w", err)
	}
	set := &EvalSet{}
	if _, err := decodeStrict(path, data, set); err != nil {
		return nil, err
	}
	set.Path = path
	var errs []error
	seen := map[string]bool{}
	for i, c := range set.Cases {
		switch {
		case c.ID == "":
			errs = append(errs, &LoadError{File: path, Field: fmt.Sprintf("cases[%d].id", i), Msg: "required"})
		case seen[c.ID]:
			errs = append(errs, &LoadError{File: path, Field: fmt.Sprintf("cases[%d].id", i), Msg: fmt.Sprintf("duplicate id %q", c.ID)})
		}
		seen[c.ID] = true
		if (c.Text == "") == (c.Payload == "") {
			errs = append(errs, &LoadError{File: path, Field: fmt.Sprintf("cases[%d]", i), Msg: "want exactly one of text or payload"})
		}
	}
	return set, errors.Join(errs...)
}

// EvalReport is how the matcher did on one set.
type EvalReport struct {
	Set    string  `json:"set"`
	Cases  int     `json:"cases"`
	Scored int     `json:"scored"` // cases with a Want
	Hit1   float64 `json:"hit_at_1"`
	Hit3   float64 `json:"hit_at_3"`
	MRR    float64 `json:"mrr"`
	// Answered is the share of scored cases whose top result is Confident; Quiet the share of
	// cases that want no story whose top result is not.
	Answered float64    `json:"answered"`
	Quiet    float64    `json:"quiet"`
	Misses   []EvalMiss `json:"misses,omitempty"`
}

// EvalMiss is a case whose wanted story was not first.
type EvalMiss struct {
	ID   string   `json:"id"`
	Rank int      `json:"rank"` // 0: not in the top 10
	Want []string `json:"want"`
	Got  []string `json:"got"`
}

const evalDepth = 10

// Evaluate runs every case of set and reports hit@1, hit@3 and MRR (over the top 10) for the
// cases that want a story.
func (x *Index) Evaluate(ctx context.Context, set *EvalSet) (EvalReport, error) {
	rep := EvalReport{Set: set.Path, Cases: len(set.Cases)}
	var rr float64
	for _, c := range set.Cases {
		for _, id := range c.Want {
			if _, ok := x.cat.byID[id]; !ok {
				return rep, fmt.Errorf("%s: case %s wants unknown story %q", set.Path, c.ID, id)
			}
		}
		res, err := x.runCase(ctx, set, c)
		if err != nil {
			return rep, fmt.Errorf("%s: case %s: %w", set.Path, c.ID, err)
		}
		confident := len(res) > 0 && res[0].Confident()
		if len(c.Want) == 0 {
			if !confident {
				rep.Quiet++
			}
			continue
		}
		if confident {
			rep.Answered++
		}
		rep.Scored++
		rank := firstRank(res, c.Want)
		if rank == 1 {
			rep.Hit1++
		}
		if rank >= 1 && rank <= 3 {
			rep.Hit3++
		}
		if rank > 0 {
			rr += 1 / float64(rank)
		}
		if rank != 1 {
			got := make([]string, 0, 3)
			for i := 0; i < len(res) && i < 3; i++ {
				got = append(got, res[i].Story.ID)
			}
			rep.Misses = append(rep.Misses, EvalMiss{ID: c.ID, Rank: rank, Want: c.Want, Got: got})
		}
	}
	if rep.Scored > 0 {
		n := float64(rep.Scored)
		rep.Hit1 /= n
		rep.Hit3 /= n
		rep.MRR = rr / n
		rep.Answered /= n
	}
	if unscored := rep.Cases - rep.Scored; unscored > 0 {
		rep.Quiet /= float64(unscored)
	}
	return rep, nil
}

func (x *Index) runCase(ctx context.Context, set *EvalSet, c EvalCase) ([]Result, error) {
	if c.Text != "" {
		res, err := x.Search(ctx, c.Text, evalDepth)
		if errors.Is(err, ErrEmptyQuery) {
			return nil, nil
		}
		return res, err
	}
	path := filepath.Join(filepath.Dir(set.Path), c.Payload)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	g, err := alert.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x.MatchAlert(ctx, g, evalDepth)
}

func firstRank(res []Result, want []string) int {
	for i, r := range res {
		for _, w := range want {
			if r.Story.ID == w {
				return i + 1
			}
		}
	}
	return 0
}
