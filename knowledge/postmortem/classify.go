package postmortem

import (
	"regexp"
	"strings"
)

// The phrases responders use for each kind of moment. They are deliberately plain: a draft is a
// starting point a responder edits, and a missed hypothesis costs less than a wrong mitigation.
var (
	resolvedRE = regexp.MustCompile(`(?i)\b(resolved|recovered|all clear|back to normal|(is|are|looks?|looking) (healthy|stable|normal|green)( again)?|(error rates?|latency|traffic) (is |are )?back|closing (the |this )?incident|incident (is )?over|fully restored)\b`)
	mitigateRE = regexp.MustCompile(`(?i)\b(roll(ed|ing)? ?back|revert(ed|ing)?|restart(ed|ing)?|rolling restart|bounced|scal(ed|ing) (it |them |the \S+ )?(up|out|down|back)|fail(ed|ing)? ?over|drain(ed|ing)|cordon(ed|ing)|(rais|increas|bump|doubl|lower)(ed|ing)? (the |our |its )?(\S+ )?(limits?|requests?|memory|cpu|replicas|timeouts?|quota|pool|size|capacity|ndots)|disabl(ed|ing)|turn(ed|ing) off|hotfix|(deploy|ship|push|roll)(ed|ing)? (out )?(a |the )?fix|mitigat(ed|ing|ion)|patch(ed|ing)|rerout(ed|ing)|(shift|mov|drain)(ed|ing) traffic|(killed|deleted|removed|flushed) the|paused|rate.?limit(ed|ing))\b`)
	// passiveRE marks a symptom told with a mitigation's verb: "pods keep restarting".
	passiveRE    = regexp.MustCompile(`(?i)\b(keeps?|kept|are|is|were|was|been|getting|gets?|still|constantly|repeatedly)( \S+)? (restart|crash|kill|evict|fail|oom)`)
	hypothesisRE = regexp.MustCompile(`(?i)\b(i think|we think|maybe|might be|could be|looks like|seems|suspect|hypothes[ie]s|my guess|probably|root cause|caused by|because|due to|turns? out|culprit|smells like)\b`)
	actionRE     = regexp.MustCompile(`(?i)\b(checking|checked|looking (at|into)|investigating|logs? (show|say)|i see|we see|seeing|confirm(ed|ing)?|kubectl|dashboards?|grafana|paged|paging|escalat(ed|ing)|declar(ed|ing)|on it|reproduc(ed|ing))\b`)
	// tentativeRE marks a proposal rather than something done: "should we roll back?".
	tentativeRE = regexp.MustCompile(`(?i)(\?\s*$|\b(should|shall|let's|lets|want to|could we|can we|going to|gonna|about to|if we|plan to|proposal)\b)`)
	impactRE    = regexp.MustCompile(`(?i)\b(customers?|users?|requests?|errors?|5\d\d|latency|timeouts?|outage|down|unavailable|failing|degraded|slow|checkout|login|payments?|orders?|revenue|sla|slo)\b`)
	causeRE     = regexp.MustCompile(`(?i)\b(root cause|caused by|because|due to|turns? out|culprit)\b`)
)

// classify says what kind of moment a responder's message is; "" means chatter.
func classify(text string) string {
	tentative := tentativeRE.MatchString(text)
	switch {
	case resolvedRE.MatchString(text) && !tentative:
		return KindResolved
	case mitigateRE.MatchString(text) && !tentative && !passiveRE.MatchString(text):
		return KindMitigation
	case hypothesisRE.MatchString(text), tentative && strings.Contains(text, "?") && len(strings.Fields(text)) >= 4:
		return KindHypothesis
	case actionRE.MatchString(text):
		return KindAction
	}
	return ""
}
