package scale

// pattern is one kind of failure as teams write it up. Every list holds templates: {slot} takes
// a value fixed for the document (see filler), {~key} a synonym from synonyms.
type pattern struct {
	name    string // in IDs and channel names
	classes []string
	titles  []string
	reports []string // the first human message in the channel
	alerts  []string // alert names; "{Svc}" makes a team-specific one
	clues   []string // what responders checked and found on the way
	guesses []string // the right hypothesis; other patterns borrow them as wrong ones
	effects []string // what users saw, read after the service name
	causes  []string
	trigger []string
	mitigs  []string // what stopped the bleeding
	fixes   []string // the resolution as written afterwards
	items   []string // action items
	lessons []string
}

// patterns returns every failure pattern, in a fixed order.
func patterns() []pattern {
	var all []pattern
	all = append(all, networkPatterns()...)
	all = append(all, computePatterns()...)
	all = append(all, platformPatterns()...)
	all = append(all, dataPatterns()...)
	return all
}

// Patterns returns the names of the failure patterns the generator draws from, in the order
// it draws them; a generated ID holds its pattern's name (see Postmortem).
func Patterns() []string {
	ps := patterns()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}
