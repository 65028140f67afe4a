package knowledge

// Story is one past outage in the catalog. The embedded catalog holds one Story per row of the
// Kubernetes Failure Stories list; teams add their own in the same YAML shape.
type Story struct {
	ID           string   `yaml:"id" json:"id"`
	Title        string   `yaml:"title" json:"title"`
	Organization string   `yaml:"organization" json:"organization"`
	Year         int      `yaml:"year" json:"year"`
	Venue        string   `yaml:"venue" json:"venue"`
	URL          string   `yaml:"url" json:"url"`
	Components   []string `yaml:"components" json:"components"`
	Classes      []string `yaml:"classes" json:"classes"`
	Summary      string   `yaml:"summary" json:"summary"`
	// Symptoms are how the failure looked to the people fighting it, in their words.
	Symptoms []string `yaml:"symptoms" json:"symptoms"`
	// Errors are error strings, log lines and events as they appeared.
	Errors []string `yaml:"errors" json:"errors"`
	// Alerts are the Prometheus alert names that fired or would have fired.
	Alerts  []string `yaml:"alerts" json:"alerts"`
	Metrics []string `yaml:"metrics" json:"metrics"`
	Cause   string   `yaml:"cause" json:"cause"`
	Impact  string   `yaml:"impact" json:"impact"`
	Fix     string   `yaml:"fix" json:"fix"`
	Lessons []string `yaml:"lessons" json:"lessons"`

	// Origin is OriginCatalog for the catalog's stories and OriginTeam for the team's own
	// postmortems, which matching shows as the team's history.
	Origin string `yaml:"-" json:"origin,omitempty"`

	// Source is the file the story was loaded from, for error messages.
	Source string `yaml:"-" json:"-"`
}

// Origins of a story.
const (
	OriginCatalog = ""
	OriginTeam    = "team"
)

// Team reports whether the story is one of the team's own postmortems.
func (s *Story) Team() bool { return s.Origin == OriginTeam }

// Checklist is what to do for one failure class: what to look at first, how to mitigate, and
// what to fix afterwards.
type Checklist struct {
	Class       string `yaml:"class" json:"class"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	Look        []Step `yaml:"look" json:"look"`
	Mitigate    []Step `yaml:"mitigate" json:"mitigate"`
	Fix         []Step `yaml:"fix" json:"fix"`

	Source string `yaml:"-" json:"-"`
}

// Step is one checklist item; Run is an optional command or query to paste.
type Step struct {
	Step string `yaml:"step" json:"step"`
	Run  string `yaml:"run,omitempty" json:"run,omitempty"`
}
