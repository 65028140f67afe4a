package postmortem

import (
	"regexp"
	"strings"
	"unicode"
)

// secKind is what a section of an imported document holds.
type secKind int

const (
	secOther secKind = iota // not a section Tacoma knows: its text is kept in Summary
	secSummary
	secImpact
	secRootCause
	secTrigger
	secDetection
	secResolution
	secTimeline
	secActions
	secLessons
	secSimilar
	secParticipants
	secAlerts
	secIgnore // boilerplate such as a blameless statement
)

// aliasKind maps a normalised heading (see normHeading) to its section: the names teams use.
func aliasKind(h string) (secKind, bool) {
	switch h {
	case "summary", "executive summary", "overview", "tl;dr", "tldr", "tl dr", "incident summary",
		"what happened", "description", "incident description", "abstract", "synopsis":
		return secSummary, true
	case "impact", "customer impact", "user impact", "business impact", "impact assessment",
		"blast radius":
		return secImpact, true
	case "root cause", "root causes", "cause", "causes", "five whys", "5 whys",
		"contributing factors", "contributing factor", "root cause analysis", "fault",
		"why it happened", "analysis", "causal analysis":
		return secRootCause, true
	case "trigger", "triggers", "leadup", "lead up", "triggering event":
		return secTrigger, true
	case "detection", "how we found out", "how it was detected", "discovery":
		return secDetection, true
	case "resolution", "mitigation", "mitigations", "recovery", "remediation", "fix",
		"how it was fixed", "workaround":
		return secResolution, true
	case "timeline", "chronology", "sequence of events", "events", "incident timeline",
		"detailed timeline":
		return secTimeline, true
	case "action items", "action item", "actions", "corrective actions", "corrective action",
		"follow ups", "followups", "follow up", "follow up actions", "remediation items",
		"remediation actions", "next steps", "todo", "todos", "action plan", "preventive actions",
		"preventative actions", "tasks":
		return secActions, true
	case "lessons learned", "lessons learnt", "lessons", "what went well", "what went wrong",
		"what didn t go well", "what did not go well", "what could have gone better",
		"where we got lucky", "learnings", "takeaways", "things that went well",
		"things that went wrong", "what can be improved", "what could be improved",
		"opportunities for improvement":
		return secLessons, true
	case "similar incidents", "similar past outages", "similar outages", "similar past incidents",
		"related incidents", "related records", "related outages", "previous incidents",
		"past incidents", "see also":
		return secSimilar, true
	case "participants", "authors", "responders", "people involved", "contributors":
		return secParticipants, true
	case "alerts", "alerts fired", "alerting":
		return secAlerts, true
	case "blameless", "blameless statement", "blamelessness":
		return secIgnore, true
	}
	return secOther, false
}

var parenRE = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

// normHeading lowercases a heading and keeps only its words: "2. Root Cause(s):" is
// "root cause", "Follow-ups & owners" is "follow ups and owners".
func normHeading(s string) string {
	s = parenRE.ReplaceAllString(strings.ToLower(s), " ")
	s = strings.ReplaceAll(s, "&", " and ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ';' {
			return r
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// sectionKind maps a heading to the section it is. prefix allows "Impact on checkout"; labels
// ("Impact: ...") must match exactly.
func sectionKind(heading string, prefix bool) (secKind, bool) {
	h := normHeading(heading)
	for try := 0; try < 3; try++ {
		if k, ok := aliasKind(h); ok {
			return k, true
		}
		words := strings.Fields(h)
		// "Impact on checkout" starts with an alias: the longest such start wins.
		for n := len(words) - 1; prefix && n > 0; n-- {
			if k, ok := aliasKind(strings.Join(words[:n], " ")); ok {
				return k, true
			}
		}
		// "1 summary", "iv impact": drop the numbering and try again.
		if len(words) < 2 || strings.Trim(words[0], "0123456789") != "" && strings.Trim(words[0], "ivx") != "" {
			break
		}
		h = strings.Join(words[1:], " ")
	}
	return secOther, false
}

// metaKey maps a "**Label:** value" line's label to the field it gives; "" when it is not one.
// "ignore" labels (durations, IDs) are dropped: front matter and the timeline carry them.
func metaKey(label string) string {
	switch normHeading(label) {
	case "date", "day", "incident date":
		return "date"
	case "authors", "author", "participants", "responders", "people", "authors participants",
		"incident commander", "owner", "owners":
		return "participants"
	case "status":
		return "status"
	case "severity", "sev", "level":
		return "severity"
	case "services", "service", "components", "component", "systems", "system", "affected services":
		return "services"
	case "alerts", "alert":
		return "alerts"
	case "channel", "slack channel", "incident channel":
		return "channel"
	case "tags", "classes", "failure classes":
		return "classes"
	case "started", "start", "start time", "began", "incident start", "started at":
		return "started"
	case "detected", "detected at", "detection time":
		return "detected"
	case "mitigated", "mitigated at", "mitigation time":
		return "mitigated"
	case "resolved", "resolved at", "resolution time", "ended", "end", "end time":
		return "resolved"
	case "time zone", "timezone":
		return "timezone"
	case "time to detect", "time to mitigate", "time to resolve", "time to recover", "duration",
		"id", "incident id", "ttd", "ttm", "ttr", "mttr":
		return "ignore"
	}
	return ""
}

// A label is a paragraph that opens with "**Impact:**", "__Impact__:" or, outside known
// sections, "Impact:".
var (
	boldLabelRE  = regexp.MustCompile(`^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)([^*_]{1,60}?)(?:\s*:\s*(?:\*\*|__)|(?:\*\*|__)\s*:)[ \t]*(.*)$`)
	plainLabelRE = regexp.MustCompile(`^\s{0,3}(?:[-*+]\s+)?([A-Za-z][A-Za-z0-9 ;'/&()-]{0,40}?)\s*:(?:[ \t]+(.*))?$`)
	atxRE        = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	listItemRE   = regexp.MustCompile(`^(\s*)(?:[-*+]|\d{1,3}[.)])(?:[ \t]+|$)`)
	todoRE       = regexp.MustCompile(`^\s*(?:[-*+]\s+)?(?:\[ \]\s*)?([_*])TODO\b.*([_*])\s*$`)
)

func isListItem(s string) bool { return listItemRE.MatchString(s) }

// isTodo reports whether s is a template's placeholder, which is no content.
func isTodo(s string) bool { return todoRE.MatchString(s) }

// atxHeading returns the level and text of a "## Heading" line; level 0 when s is not one.
func atxHeading(s string) (int, string) {
	m := atxRE.FindStringSubmatch(s)
	if m == nil {
		return 0, ""
	}
	return len(m[1]), strings.TrimSpace(m[2])
}

func isHeading(s string) bool {
	level, _ := atxHeading(s)
	return level > 0
}

// setextLevel returns 1 or 2 when s underlines the paragraph line before it.
func setextLevel(s string) int {
	t := strings.TrimSpace(s)
	switch {
	case len(s)-len(strings.TrimLeft(s, " ")) > 3 || t == "":
		return 0
	case strings.Trim(t, "=") == "":
		return 1
	case len(t) >= 3 && strings.Trim(t, "-") == "":
		return 2
	}
	return 0
}

// cleanInline strips the emphasis and code marks around a heading or label.
func cleanInline(s string) string {
	s = strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
	s = strings.TrimSpace(s)
	if len(s) > 1 && (s[0] == '*' || s[0] == '_') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return mdOneLine(s)
}
