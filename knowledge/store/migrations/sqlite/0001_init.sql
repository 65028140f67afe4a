-- Times are TEXT in the fixed-width UTC form of dialect.go, so text order is time order.
CREATE TABLE postmortems (
	id         TEXT PRIMARY KEY,
	title      TEXT NOT NULL,
	status     TEXT NOT NULL,
	source     TEXT NOT NULL,
	channel    TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	doc        TEXT NOT NULL,
	markdown   TEXT NOT NULL
) STRICT;
CREATE INDEX postmortems_created ON postmortems (created_at, id);
CREATE INDEX postmortems_status_created ON postmortems (status, created_at, id);
CREATE INDEX postmortems_channel_created ON postmortems (channel, created_at, id);

CREATE TABLE feedback (
	id         INTEGER PRIMARY KEY,
	story_id   TEXT NOT NULL,
	verdict    TEXT NOT NULL CHECK (verdict IN ('helpful', 'not_relevant')),
	user_id    TEXT NOT NULL,
	channel    TEXT NOT NULL,
	thread     TEXT NOT NULL,
	query_text TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX feedback_created ON feedback (created_at, id);
CREATE INDEX feedback_channel_created ON feedback (channel, created_at, id);
