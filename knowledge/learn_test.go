package knowledge_test

import (
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func evaluate(t *testing.T, x *knowledge.Index, path string) knowledge.EvalReport {
	t.Helper()
	set, err := knowledge.LoadEvalSet(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := x.Evaluate(t.Context(), set)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Feedback from one split must help the other without making Tacoma chattier in small talk.
func TestLearningFromFeedbackHelpsHeldOut(t *testing.T) {
	x := newIndex(t)
	before := evaluate(t, x, "../eval/messages-heldout.yaml")
	dev, err := knowledge.LoadEvalSet("../eval/messages-dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fbs, err := x.SimulateFeedback(t.Context(), dev)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Learn(fbs...); err != nil {
		t.Fatal(err)
	}
	after := evaluate(t, x, "../eval/messages-heldout.yaml")
	if after.MRR < before.MRR || after.Hit3 < before.Hit3 {
		t.Errorf("held-out after learning: hit@3 %.3f MRR %.3f; before: %.3f %.3f", after.Hit3, after.MRR, before.Hit3, before.MRR)
	}
	if quiet := evaluate(t, x, "../eval/smalltalk.yaml").Quiet; quiet < 0.90 {
		t.Errorf("small talk quiet %.3f after learning, want at least 0.90", quiet)
	}
}

func TestNotRelevantPushesAStoryDownForSimilarMessages(t *testing.T) {
	x := newIndex(t)
	const msg = "coredns pods OOMKilled and dns lookups time out after 5 seconds"
	res, err := x.Search(t.Context(), msg, 3)
	if err != nil || len(res) < 2 {
		t.Fatalf("search: %v, %d results", err, len(res))
	}
	top := res[0].Story.ID
	if err := x.Learn(knowledge.Feedback{StoryID: top, Verdict: knowledge.NotRelevant, Query: msg}); err != nil {
		t.Fatal(err)
	}
	res, _ = x.Search(t.Context(), "dns lookups time out after 5 seconds, coredns pods OOMKilled again", 3)
	if res[0].Story.ID == top {
		t.Errorf("story %s still first after being marked not relevant for the same words", top)
	}
	// An unrelated message is not affected.
	other, _ := x.Search(t.Context(), "admission webhook timeouts block every deployment", 1)
	if len(other) == 0 || other[0].Score <= 0 {
		t.Fatalf("unrelated search: %+v", other)
	}
	if err := x.Learn(knowledge.Feedback{StoryID: top, Verdict: "meh", Query: msg}); err == nil {
		t.Error("Learn accepted an unknown verdict")
	}
}

func TestHelpfulTeachesTheTeamsWords(t *testing.T) {
	x := newIndex(t)
	const msg = "the frobnicator on the blue tier is wedged again"
	story := x.Catalog().Stories()[3]
	if err := x.Learn(knowledge.Feedback{StoryID: story.ID, Verdict: knowledge.Helpful, Query: msg}); err != nil {
		t.Fatal(err)
	}
	res, err := x.Search(t.Context(), "frobnicator wedged", 1)
	if err != nil || len(res) == 0 || res[0].Story.ID != story.ID {
		t.Fatalf("after a helpful mark, search = %+v, %v; want %s", res, err, story.ID)
	}
	if len(res[0].Why) == 0 || res[0].Why[0] == "" {
		t.Errorf("no reason given: %+v", res[0].Why)
	}
	t.Logf("why: %q", res[0].Why)
}
