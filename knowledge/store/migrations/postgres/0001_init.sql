-- doc is text, not jsonb: jsonb refuses the \u0000 escape encoding/json may write, and text reads
-- back byte for byte as on SQLite. Cast doc::jsonb to query inside it.
CREATE TABLE postmortems (
	id         text PRIMARY KEY,
	title      text NOT NULL,
	status     text NOT NULL,
	source     text NOT NULL,
	channel    text NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	doc        text NOT NULL,
	markdown   text NOT NULL
);
CREATE INDEX postmortems_created ON postmortems (created_at, id);
CREATE INDEX postmortems_status_created ON postmortems (status, created_at, id);
CREATE INDEX postmortems_channel_created ON postmortems (channel, created_at, id);

CREATE TABLE feedback (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	story_id   text NOT NULL,
	verdict    text NOT NULL CHECK (verdict IN ('helpful', 'not_relevant')),
	user_id    text NOT NULL,
	channel    text NOT NULL,
	thread     text NOT NULL,
	query_text text NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX feedback_created ON feedback (created_at, id);
CREATE INDEX feedback_channel_created ON feedback (channel, created_at, id);
