package postmortem_test

import (
	"strings"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Checkout DNS timeouts: CoreDNS overwhelmed", "checkout-dns-timeouts-coredns-overwhelmed"},
		{"  --Already-a-slug--  ", "already-a-slug"},
		{"Störung im Zahlungsdienst (Größe)", "stoerung-im-zahlungsdienst-groesse"},
		{"Café façade niño", "cafe-facade-nino"},
		{"2024-03-05 #inc-dns", "2024-03-05-inc-dns"},
		{"障害", "postmortem"},
		{"", "postmortem"},
		{"!!!", "postmortem"},
		{"Database pods stuck in ContainerCreating after hitting the EBS attach limit", "database-pods-stuck-in-containercreating-after-hitting-the"},
		{strings.Repeat("a", 80), strings.Repeat("a", 60)},
	}
	for _, tt := range tests {
		if got := postmortem.Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
