package scale

import "strings"

// Service names are a business noun and a kind of workload: 50 x 10 = 500 combinations, of
// which services keeps every 5th one in a scrambled order, about 200 in all.
var (
	serviceNouns = []string{
		"checkout", "cart", "payments", "ledger", "billing", "invoice", "pricing", "catalog",
		"search", "recommend", "inventory", "shipping", "orders", "returns", "loyalty", "coupon",
		"auth", "session", "profile", "accounts", "identity", "notify", "mailer", "sms", "push",
		"media", "thumbnail", "upload", "reports", "analytics", "events", "audit", "fraud",
		"risk", "kyc", "booking", "availability", "geo", "routing", "dispatch", "tracking",
		"feed", "comments", "reviews", "ratings", "chat", "partner", "settlement", "payout", "quote",
	}
	serviceKinds = []string{"api", "worker", "gateway", "svc", "consumer", "scheduler", "web", "sync", "backend", "indexer"}
)

func services() []string {
	all := make([]string, 0, len(serviceNouns)*len(serviceKinds))
	for _, n := range serviceNouns {
		for _, k := range serviceKinds {
			all = append(all, n+"-"+k)
		}
	}
	out := make([]string, 0, len(all)/5)
	// 7 and 500 are coprime, so i*7 mod 500 visits every combination once.
	for i := range len(all) {
		if i%5 == 0 {
			out = append(out, all[(i*7)%len(all)])
		}
	}
	return out
}

var (
	namespaces = []string{"prod", "payments", "storefront", "platform", "data", "identity", "logistics", "growth", "core", "edge", "batch", "internal-tools"}
	clusters   = []string{"prod-eu-1", "prod-eu-2", "prod-us-east", "prod-us-west", "prod-ap-1", "staging-eu", "shared-services", "prod-blue", "prod-green", "edge-eu", "data-prod", "prod-de-fra"}
	regions    = []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1", "europe-west4", "us-central1", "westeurope", "northeurope", "asia-east1"}
	teams      = []string{"payments", "platform", "SRE", "storefront", "data platform", "identity", "logistics", "growth", "mobile backend", "core infra", "search", "developer experience"}
	databases  = []string{"orders", "ledger", "users", "catalog", "sessions", "billing", "events", "inventory", "bookings", "audit"}
	topics     = []string{"order-events", "payment-status", "clickstream", "inventory-updates", "email-outbox", "audit-log", "price-changes", "shipment-updates", "user-signals", "fraud-scores"}
	vendors    = []string{"the card processor", "our SMS provider", "the address lookup vendor", "the maps API", "the tax service", "the identity verification vendor", "the email relay", "the currency rates feed"}
	weekdays   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	codes      = []string{"502", "503", "504", "500"}
	memLimits  = []string{"256Mi", "512Mi", "768Mi", "1Gi", "2Gi", "3Gi", "4Gi"}
	cpuLimits  = []string{"250m", "500m", "1", "1500m", "2", "4"}
	nodePools  = []string{"general", "highmem", "spot", "compute", "system", "arm"}
	firstNames = []string{
		"Ana", "Ben", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
		"Kemi", "Lars", "Maya", "Nikhil", "Olga", "Pedro", "Quentin", "Rosa", "Sven", "Tamar",
		"Umar", "Vera", "Wen", "Xavier", "Yasmin", "Zoltan", "Aisha", "Bruno", "Carmen", "Dario",
	}
	lastNames = []string{
		"Almeida", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova",
		"Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
		"Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zhang",
	}
)

// synonyms are interchangeable words, so that two documents of one pattern rarely say the same
// sentence. A template names a group with {~key}.
var synonyms = map[string][]string{
	"slow":      {"slow", "sluggish", "crawling", "degraded", "dragging", "very slow"},
	"errors":    {"errors", "failures", "failed requests", "error responses", "5xx"},
	"spike":     {"spike", "jump", "surge", "burst", "sharp rise"},
	"restarted": {"restarted", "bounced", "recycled", "rolled", "kicked"},
	"noticed":   {"noticed", "saw", "spotted", "flagged", "reported"},
	"checked":   {"checked", "looked at", "went through", "inspected", "dug into"},
	"customers": {"customers", "users", "clients", "merchants", "shoppers"},
	"deploy":    {"deploy", "release", "rollout", "deployment"},
	"rollback":  {"rolled back", "reverted", "backed out", "undid"},
	"fixed":     {"fixed", "resolved", "cleared", "sorted out", "mitigated"},
	"timeout":   {"time out", "hang until the timeout", "stall and time out", "exceed their deadline"},
	"broken":    {"broken", "failing", "down", "unhealthy", "not working"},
	"quickly":   {"quickly", "within minutes", "fast", "almost immediately"},
	"because":   {"because", "since", "as"},
	"increase":  {"raised", "increased", "bumped", "doubled"},
	"dashboard": {"dashboard", "Grafana board", "service overview", "RED dashboard"},
	"maybe":     {"maybe", "could it be", "is it", "wondering if it's", "might be"},
}

// Lines any incident may have, whatever failed: they make documents longer and alike in the
// way real postmortems are, without saying what broke.
var (
	genericActions = []string{
		"opened the incident channel and paged the {team} on-call",
		"{~checked} recent {~deploy}s for {svc}: nothing since {day}",
		"posted a status page update: investigating {~slow} responses",
		"pulled in the {team} secondary to help",
		"{~checked} the {~dashboard} for {svc}: {~errors} started around the alert",
		"asked in #ops whether anyone changed anything in {cluster}",
		"confirmed the upstream cloud status page shows no incident in {region}",
		"started a bridge call and assigned an incident commander",
		"checked whether {svc2} is affected as well",
		"froze {~deploy}s to {cluster} until further notice",
		"support reports tickets from {~customers} about {svc}",
		"{~checked} error logs in Kibana for {svc}",
	}
	genericNotes = []string{
		"no related change in the change calendar",
		"traffic is normal for a {day}, nothing unusual on the edge",
		"{svc2} team says they see nothing on their side",
		"comms drafted for account managers",
		"error budget for {svc} is now below half for the month",
		"handing over incident commander to {person}",
	}
	detections = []string{
		"{alert}, which paged the on-call",
		"a {~customers} ticket, about {dur0} minutes after it started",
		"the on-call, who {~noticed} it on the {~dashboard}",
		"synthetic checks for {svc} failing from two regions",
		"{alert}, then support escalating {~customers} complaints",
		"an engineer testing in production, who {~noticed} it by chance",
	}
	resolvedLines = []string{
		"alerts resolved, {~errors} back to baseline",
		"{svc} healthy again, monitoring for 30 minutes",
		"incident closed, status page updated",
		"all clear: latency and error rate normal",
		"resolved; follow-ups tracked in the postmortem",
	}
	genericItems = []string{
		"Add a runbook entry for {svc} describing how this looked and how it was {~fixed}",
		"Review alert routing so the {team} on-call is paged directly",
		"Add a synthetic check that exercises {svc} end to end",
		"Write a game day scenario for this failure",
		"Document ownership of {svc2} in the service catalog",
	}
	genericLessons = []string{
		"The {~dashboard} for {svc} did not show the cause; we went by logs",
		"Escalating early helped; the second pair of eyes found it",
		"Our status page update came late",
		"Alert fatigue: the first alert was ignored for several minutes",
		"Having the change log in one place would have saved time",
	}
	senders = []string{"Alertmanager", "Grafana", "PagerDuty"}
)

// camel turns "checkout-api" into "CheckoutApi", the way teams name their own alerts.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
