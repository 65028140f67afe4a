package handlers_test

import (
	"os"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the shared-state tests start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
