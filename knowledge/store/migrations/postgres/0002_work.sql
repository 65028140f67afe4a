-- Work a replica accepted from Slack: claimed once, renewed while it runs, taken over by another
-- replica when the lease lapses, kept a day after it is done so redeliveries are recognised.
CREATE TABLE work (
	key         text PRIMARY KEY,
	payload     text NOT NULL,
	owner       text NOT NULL,
	lease_until timestamptz NOT NULL,
	done        boolean NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL
);
CREATE INDEX work_pending ON work (done, lease_until);
CREATE INDEX work_created ON work (created_at);
CREATE INDEX postmortems_updated ON postmortems (updated_at, id);

-- Alert groups shared by replicas: the state of each group's Slack message, one writer at a time.
CREATE TABLE alert_groups (
	id         text PRIMARY KEY,
	state      text NOT NULL,
	pending    boolean NOT NULL DEFAULT false,
	updated_at timestamptz NOT NULL
);
CREATE INDEX alert_groups_pending ON alert_groups (pending, updated_at);
