package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBotKnowsNothingOfTheCatalog keeps Slack I/O apart from matching and storage.
func TestBotKnowsNothingOfTheCatalog(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/blevesearch/", "github.com/tacoma-bot/tacoma/knowledge", "github.com/tacoma-bot/tacoma/handlers", "database/sql"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("bot depends on %s", dep)
			}
		}
	}
}
