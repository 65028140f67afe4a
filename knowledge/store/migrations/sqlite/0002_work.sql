-- Work a replica accepted from Slack: claimed once, renewed while it runs, taken over by another
-- replica when the lease lapses, kept a day after it is done so redeliveries are recognised.
CREATE TABLE work (
	key         TEXT PRIMARY KEY,
	payload     TEXT NOT NULL,
	owner       TEXT NOT NULL,
	lease_until TEXT NOT NULL,
	done        INTEGER NOT NULL DEFAULT 0,
	created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX work_pending ON work (done, lease_until);
CREATE INDEX work_created ON work (created_at);
CREATE INDEX postmortems_updated ON postmortems (updated_at, id);

-- Alert groups shared by replicas: the state of each group's Slack message, one writer at a time.
CREATE TABLE alert_groups (
	id         TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	pending    INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX alert_groups_pending ON alert_groups (pending, updated_at);
