package main

import (
	"os"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the replica tests start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
