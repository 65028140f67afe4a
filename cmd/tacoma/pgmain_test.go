package main

import (
	"os"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the replica tests start, and removes the
// binary the process tests built.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
