// Package knowledge holds Tacoma's failure catalog (stories of past outages and a checklist per
// failure class), the bleve index over it, and the matcher that finds the stories most like a
// responder's message or an alert, with the reasons why.
//
// It knows nothing of Slack: callers pass text or a parsed alert and get neutral results.
package knowledge
