// Package postmortem is the team's own incident history: drafts Tacoma builds from an incident
// channel, the Markdown they are written in (built-in and custom templates), and the postmortems
// teams import. It knows nothing of Slack: the channel arrives as a list of Entry values.
package postmortem

import "time"

// Statuses of a postmortem.
const (
	Draft = "draft"
	Final = "final"
)

// Sources of a postmortem.
const (
	FromSlack  = "slack"  // drafted by Tacoma from a channel
	FromImport = "import" // brought in with `tacoma import` or an uploaded file
)

// Postmortem is one incident write-up. The structured fields feed matching; Markdown is the
// document as the team keeps it (rendered from a template, or as imported or edited).
type Postmortem struct {
	ID          string `json:"id" yaml:"id"`
	Title       string `json:"title" yaml:"title"`
	Status      string `json:"status" yaml:"status"`
	Source      string `json:"source" yaml:"source"`
	Channel     string `json:"channel,omitempty" yaml:"channel,omitempty"`           // channel ID it was drafted in
	ChannelName string `json:"channel_name,omitempty" yaml:"channel_name,omitempty"` // without '#'
	Template    string `json:"template,omitempty" yaml:"template,omitempty"`
	Severity    string `json:"severity,omitempty" yaml:"severity,omitempty"`

	// Started is when the incident began (first alert or first message); zero if unknown.
	Started   time.Time `json:"started,omitzero" yaml:"started,omitempty"`
	Detected  time.Time `json:"detected,omitzero" yaml:"detected,omitempty"`
	Mitigated time.Time `json:"mitigated,omitzero" yaml:"mitigated,omitempty"`
	Resolved  time.Time `json:"resolved,omitzero" yaml:"resolved,omitempty"`

	Summary    string `json:"summary,omitempty" yaml:"summary,omitempty"`
	Impact     string `json:"impact,omitempty" yaml:"impact,omitempty"`
	RootCause  string `json:"root_cause,omitempty" yaml:"root_cause,omitempty"`
	Trigger    string `json:"trigger,omitempty" yaml:"trigger,omitempty"`
	Detection  string `json:"detection,omitempty" yaml:"detection,omitempty"`
	Resolution string `json:"resolution,omitempty" yaml:"resolution,omitempty"`

	Timeline     []Event       `json:"timeline,omitempty" yaml:"timeline,omitempty"`
	Participants []Participant `json:"participants,omitempty" yaml:"participants,omitempty"`
	Alerts       []string      `json:"alerts,omitempty" yaml:"alerts,omitempty"`     // alert names seen, first seen first
	Services     []string      `json:"services,omitempty" yaml:"services,omitempty"` // services or components involved
	Classes      []string      `json:"classes,omitempty" yaml:"classes,omitempty"`   // failure classes (checklist names)
	Similar      []Similar     `json:"similar,omitempty" yaml:"similar,omitempty"`
	ActionItems  []string      `json:"action_items,omitempty" yaml:"action_items,omitempty"`
	Lessons      []string      `json:"lessons,omitempty" yaml:"lessons,omitempty"`

	// Markdown is the document itself; for drafts it is what the template rendered.
	Markdown string `json:"-" yaml:"-"`

	CreatedAt time.Time `json:"created_at" yaml:"-"`
	UpdatedAt time.Time `json:"updated_at" yaml:"-"`
}

// Kinds of timeline events, in the words a postmortem uses.
const (
	KindAlert      = "alert"      // an alert fired
	KindReport     = "report"     // the first human message: someone noticed
	KindHypothesis = "hypothesis" // a guess at the cause
	KindAction     = "action"     // something a responder did or checked
	KindMitigation = "mitigation" // the change that stopped the bleeding
	KindResolved   = "resolved"   // the incident or an alert resolved
	KindNote       = "note"       // anything else worth keeping
)

// Event is one moment of the timeline.
type Event struct {
	At   time.Time `json:"at" yaml:"at"`
	Kind string    `json:"kind" yaml:"kind"`
	Who  string    `json:"who,omitempty" yaml:"who,omitempty"` // a person's real name, or the sender of an alert
	Text string    `json:"text" yaml:"text"`
}

// Participant is a person who wrote in the incident channel.
type Participant struct {
	ID       string `json:"id,omitempty" yaml:"id,omitempty"`
	Name     string `json:"name" yaml:"name"`
	Messages int    `json:"messages,omitempty" yaml:"messages,omitempty"`
}

// Similar is a past outage Tacoma suggested during the incident.
type Similar struct {
	ID      string `json:"id" yaml:"id"`
	Title   string `json:"title" yaml:"title"`
	URL     string `json:"url,omitempty" yaml:"url,omitempty"`
	Helpful bool   `json:"helpful,omitempty" yaml:"helpful,omitempty"` // a responder marked it helpful
}
