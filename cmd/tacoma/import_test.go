package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportExportRoundTrip(t *testing.T) {
	t.Setenv("TACOMA_DATA_DIR", t.TempDir())
	t.Setenv("TACOMA_DATABASE_URL", "")
	corpus := "../../knowledge/postmortem/testdata/import"
	good, _ := filepath.Glob(filepath.Join(corpus, "*.md"))
	if len(good) < 10 {
		t.Fatalf("corpus has %d postmortems, want at least 10", len(good))
	}
	out, errOut, err := runArgs(t, "", "import", corpus)
	// The corpus keeps broken files under broken/: they are reported, the rest imported.
	if err == nil || !strings.Contains(err.Error(), "skipped") {
		t.Fatalf("import = %v, want an error naming the skipped files\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if !strings.Contains(out, "imported ") || !strings.Contains(out, "skipped ") || !strings.Contains(out, "broken/") {
		t.Errorf("import report:\n%s", out)
	}
	again, _, _ := runArgs(t, "", "import", corpus)
	if !strings.Contains(again, " replaced)") || strings.Contains(again, "(0 new, 0 replaced)") {
		t.Errorf("importing again should replace, not duplicate:\n%s", again)
	}

	dir := t.TempDir()
	out, _, err = runArgs(t, "", "export", "--status", "all", dir)
	if err != nil {
		t.Fatalf("export = %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(files) == 0 || !strings.Contains(out, "exported ") {
		t.Fatalf("export wrote %d files: %s", len(files), out)
	}
	// What was exported imports again without a single skip.
	if out, _, err := runArgs(t, "", "import", dir); err != nil {
		t.Errorf("re-import of the export = %v\n%s", err, out)
	}
}

func TestImportReportsEveryBadInput(t *testing.T) {
	t.Setenv("TACOMA_DATA_DIR", t.TempDir())
	t.Setenv("TACOMA_DATABASE_URL", "")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.md", "")
	binary := write("binary.md", "\x00\x01\x02PNG")
	_, _, err := runArgs(t, "", "import", empty, binary, filepath.Join(dir, "missing.md"))
	if err == nil {
		t.Fatal("import of only bad files succeeded")
	}
	out, _, _ := runArgs(t, "", "import", empty, binary, filepath.Join(dir, "missing.md"))
	for _, want := range []string{"empty.md: ", "binary.md: ", "missing.md: ", "skipped 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := runArgs(t, "", "import"); err == nil {
		t.Error("import with no paths succeeded")
	}
	if _, _, err := runArgs(t, "", "export", "--status", "nope", dir); err == nil {
		t.Error("export --status nope succeeded")
	}
}
