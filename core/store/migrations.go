package store

// Migration is one numbered schema change. Version numbers start at 1 and
// increase by one; a database records the last version applied in
// PRAGMA user_version. Each pending migration runs in its own transaction
// together with the user_version bump, so it is applied entirely or not at
// all.
type Migration struct {
	Version int    // 1, 2, 3, … in order, no gaps
	Name    string // short description shown in errors
	SQL     string // one or more statements separated by ';'
}

// migrations is the schema history of a Skyport database, oldest first.
//
// Service authors: APPEND a new entry with the next Version for every schema
// change. NEVER edit, reorder or remove an entry that has been released:
// existing databases have already applied it and will not run it again.
var migrations = []Migration{
	{
		Version: 1,
		Name:    "meta",
		SQL: `CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));`,
	},
	{
		Version: 2,
		Name:    "queues",
		SQL: `CREATE TABLE queue_queues (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	name        TEXT NOT NULL UNIQUE,
	fifo        INTEGER NOT NULL,
	attributes  TEXT NOT NULL,
	tags        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	modified_at INTEGER NOT NULL,
	purged_at   INTEGER NOT NULL DEFAULT 0,
	purge_below INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE queue_messages (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	queue_id         INTEGER NOT NULL,
	message_id       TEXT NOT NULL,
	body             TEXT NOT NULL,
	attributes       BLOB,
	trace_header     TEXT,
	group_id         TEXT,
	dedup_id         TEXT,
	source_arn       TEXT,
	sent_at          INTEGER NOT NULL,
	visible_at       INTEGER NOT NULL,
	receive_count    INTEGER NOT NULL DEFAULT 0,
	first_receive_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_messages_age ON queue_messages(queue_id, sent_at);
CREATE TABLE queue_dedup (
	queue_id   INTEGER NOT NULL,
	key        TEXT NOT NULL,
	message_id TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (queue_id, key)
) WITHOUT ROWID;
CREATE INDEX queue_dedup_expiry ON queue_dedup(expires_at);
CREATE TABLE queue_move_tasks (
	handle     TEXT PRIMARY KEY,
	source_arn TEXT NOT NULL,
	dest_arn   TEXT NOT NULL,
	rate       INTEGER NOT NULL,
	status     TEXT NOT NULL,
	moved      INTEGER NOT NULL,
	to_move    INTEGER NOT NULL,
	failure    TEXT NOT NULL,
	started_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE queue_settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;`,
	},
	{
		Version: 3,
		Name:    "topics",
		SQL: `CREATE TABLE topic_topics (
	name       TEXT PRIMARY KEY,
	fifo       INTEGER NOT NULL,
	attributes TEXT NOT NULL,
	tags       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	seq        INTEGER NOT NULL DEFAULT 0,
	removed    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE topic_subscriptions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	arn        TEXT NOT NULL UNIQUE,
	topic      TEXT NOT NULL,
	protocol   TEXT NOT NULL,
	endpoint   TEXT NOT NULL,
	attributes TEXT NOT NULL,
	token      TEXT NOT NULL,
	confirmed  INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX topic_subscriptions_topic ON topic_subscriptions(topic);
CREATE TABLE topic_messages (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	topic        TEXT NOT NULL,
	message_id   TEXT NOT NULL,
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,
	structure    TEXT NOT NULL,
	attributes   TEXT NOT NULL,
	group_id     TEXT NOT NULL,
	dedup_id     TEXT NOT NULL,
	seq          TEXT NOT NULL,
	published_at INTEGER NOT NULL
);
CREATE INDEX topic_messages_topic ON topic_messages(topic);
CREATE TABLE topic_deliveries (
	message      INTEGER NOT NULL,
	subscription INTEGER NOT NULL,
	attempts     INTEGER NOT NULL,
	next_at      INTEGER NOT NULL,
	PRIMARY KEY (message, subscription)
) WITHOUT ROWID;
CREATE INDEX topic_deliveries_subscription ON topic_deliveries(subscription);
CREATE TABLE topic_dedup (
	topic      TEXT NOT NULL,
	dedup_id   TEXT NOT NULL,
	message_id TEXT NOT NULL,
	seq        TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (topic, dedup_id)
) WITHOUT ROWID;
CREATE TABLE topic_settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;`,
	},
}
