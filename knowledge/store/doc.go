// Package store is Tacoma's durable memory: postmortems and responders' feedback, kept in SQLite
// (embedded, the default) or PostgreSQL (when several replicas share one database).
//
// Both engines run the same code through database/sql; the few differences (placeholders, column
// types, the migration lock) live in one dialect value. It knows nothing of Slack or of the bleve
// index: callers hand it postmortem.Postmortem and knowledge.Feedback values.
package store
