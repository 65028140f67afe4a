package deploy_test

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// root is the module root, where the Dockerfile and the build context are.
const root = ".."

// TestDockerfile checks what can be checked without a Docker engine: pinned base images, the
// builder's Go matching go.mod, and a final stage that runs the binary as a non-root user with
// nothing else in it.
func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	final := df.Stages[len(df.Stages)-1]
	var volumes, untagged []string
	for _, st := range df.Stages {
		volumes = append(volumes, st.all("VOLUME")...)
		name := st.From[strings.LastIndex(st.From, "/")+1:]
		if !strings.ContainsAny(name, ":@") || strings.HasSuffix(name, ":latest") {
			untagged = append(untagged, st.From)
		}
	}
	env := map[string]string{}
	for _, e := range final.all("ENV") {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	user := final.all("USER")
	uid := -1
	if len(user) > 0 {
		uid, _ = strconv.Atoi(strings.Split(user[len(user)-1], ":")[0])
	}

	checks := []struct {
		what      string
		got, want any
	}{
		{"builder image (go.mod's go line)", df.Stages[0].From, "golang:" + goDirective(t, filepath.Join(root, "go.mod"))},
		{"images without a pinned tag", untagged, []string(nil)},
		{"final image", final.From, "gcr.io/distroless/static-debian12:nonroot"},
		{"final stage runs as a non-root uid", uid > 0, true},
		{"RUN in the final stage (it has no shell)", final.all("RUN"), []string(nil)},
		{"VOLUME (the chart decides what is mounted)", volumes, []string(nil)},
		{"EXPOSE", final.all("EXPOSE"), []string{"8080"}},
		{"ENTRYPOINT", final.all("ENTRYPOINT"), []string{`["/usr/local/bin/tacoma"]`}},
		{"CMD", final.all("CMD"), []string{`["run"]`}},
		{"TACOMA_DATA_DIR", env["TACOMA_DATA_DIR"], "/var/lib/tacoma"},
		{"data dir owned by the user", slices.Contains(final.all("COPY"), "--from=build --chown=65532:65532 /out/data /var/lib/tacoma"), true},
		{"binary copied to the entrypoint", slices.Contains(final.all("COPY"), "--from=build /out/tacoma /usr/local/bin/tacoma"), true},
		{"OCI source label", strings.Contains(strings.Join(final.all("LABEL"), " "), `org.opencontainers.image.source="https://github.com/tacoma-bot/tacoma"`), true},
	}
	for _, ck := range checks {
		if diff := cmp.Diff(ck.want, ck.got); diff != "" {
			t.Errorf("Dockerfile: %s (-want +got):\n%s", ck.what, diff)
		}
	}
}

// TestDockerignore checks that the build context holds every file `go build ./cmd/tacoma` reads,
// and none of the binaries, data and history that lie around a work tree.
func TestDockerignore(t *testing.T) {
	ig := parseDockerignore(t, filepath.Join(root, ".dockerignore"))
	for _, f := range buildInputs(t) {
		if ig.excluded(f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
	}
	tests := []struct {
		path string
		want bool
	}{
		{".git/HEAD", true},
		{"tacoma", true},
		{"tacoma.test", true},
		{"cmd/tacoma/tacoma", true},
		{"tacoma-data/tacoma.db", true},
		{"deploy/helm/tacoma/values.yaml", true},
		{"eval/messages-dev.yaml", true},
		{"knowledge/testdata/x.yaml", true},
		{"handlers/alerts_test.go", true},
		{"README.md", true},
		{"go.mod", false},
		{"cmd/tacoma/main.go", false},
		{"knowledge/catalog/synonyms.yaml", false},
	}
	for _, tt := range tests {
		if got := ig.excluded(tt.path); got != tt.want {
			t.Errorf(".dockerignore excludes %s = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// buildInputs lists, relative to the module root, go.mod, go.sum and the Go and embedded files of
// the module's packages the binary imports, also those only other platforms build.
func buildInputs(t *testing.T) []string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-json=Dir,Module,GoFiles,IgnoredGoFiles,EmbedFiles", "./cmd/tacoma")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			Dir                                 string
			Module                              *struct{ Main bool }
			GoFiles, IgnoredGoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range slices.Concat(p.GoFiles, p.IgnoredGoFiles, p.EmbedFiles) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(files) < 20 {
		t.Fatalf("go list found only %v", files)
	}
	return files
}

// buildImageBinary runs the Dockerfile's go build command, for this machine's platform, into a
// temporary folder, and returns the binary's path. It first checks that the command has the
// flags the image relies on.
func buildImageBinary(t *testing.T) string {
	t.Helper()
	df := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	var line string
	for _, run := range df.Stages[0].all("RUN") {
		if strings.Contains(run, "go build") {
			line = run
		}
	}
	var env, args []string
	for _, w := range shellWords(line) {
		switch {
		case strings.HasPrefix(w, "--mount="):
		case len(args) == 0 && strings.Contains(w, "="):
			env = append(env, os.Expand(w, func(k string) string {
				return map[string]string{"TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH}[k]
			}))
		default:
			args = append(args, w)
		}
	}
	i := slices.Index(args, "-o")
	want := []string{"go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "/out/tacoma", "./cmd/tacoma"}
	if diff := cmp.Diff(want, args); diff != "" || !slices.Contains(env, "CGO_ENABLED=0") {
		t.Fatalf("Dockerfile build command %q: env %q, want CGO_ENABLED=0; args (-want +got):\n%s", line, env, diff)
	}
	bin := filepath.Join(t.TempDir(), "tacoma")
	args[i+1] = bin
	cmd := exec.CommandContext(t.Context(), args[0], args[1:]...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	return bin
}

// TestImageBinary builds the binary exactly as the image does and reports its size, which is
// nearly all of the image: distroless/static adds about 2 MB.
func TestImageBinary(t *testing.T) {
	bin := buildImageBinary(t)
	info, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("static binary (%s/%s, -trimpath -ldflags \"-s -w\"): %d bytes (%.1f MiB)", runtime.GOOS, runtime.GOARCH, info.Size(), float64(info.Size())/(1<<20))
	out, err := exec.CommandContext(t.Context(), "go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	// go records neither -ldflags nor -s -w when -trimpath is on; the ELF sections show the strip.
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath=true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go version -m %s: build settings lack %s:\n%s", bin, want, out)
		}
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF binary, cannot check it is stripped: %v", err)
	}
	defer f.Close()
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") {
			t.Errorf("binary has section %s; -ldflags \"-s -w\" strips it", s.Name)
		}
	}
}
