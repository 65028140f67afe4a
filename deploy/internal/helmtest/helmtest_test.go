package helmtest_test

import (
	"strings"
	"testing"

	"github.com/tacoma-bot/tacoma/deploy/internal/helmtest"
)

// TestVersion checks that the built helm is the pinned release and assumes a Kubernetes version
// recent enough for charts that require one, as a release binary does.
func TestVersion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"version", "--template", "{{.Version}}"}, helmtest.Version},
		{[]string{"template", "x", "testdata/kubeversion"}, "kube: v1.37.0"},
	}
	for _, tt := range tests {
		out, err := helmtest.Run(t, tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); !strings.Contains(got, tt.want) {
			t.Errorf("helm %q = %q, want it to contain %q", tt.args, got, tt.want)
		}
	}
}

// TestRunFails checks that helm's own error message reaches the caller.
func TestRunFails(t *testing.T) {
	_, err := helmtest.Run(t, "template", "x", "testdata/no-such-chart")
	if err == nil || !strings.Contains(err.Error(), "no-such-chart") {
		t.Errorf("helm template on a missing chart: error %v, want one naming the chart", err)
	}
}
