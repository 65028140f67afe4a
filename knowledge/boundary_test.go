package knowledge_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestKnowledgeKnowsNothingOfSlack keeps the architecture visible: the catalog and matcher must
// not import Slack or any of Tacoma's Slack-facing packages.
func TestKnowledgeKnowsNothingOfSlack(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/slack-go/", "github.com/tacoma-bot/tacoma/bot", "github.com/tacoma-bot/tacoma/handlers"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("knowledge depends on %s", dep)
			}
		}
	}
}
