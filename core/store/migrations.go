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
		// Placeholder for version 3, which another branch (topics) adds;
		// drop this entry when merging that branch's migration 3.
		Version: 3,
		Name:    "reserved",
		SQL:     `SELECT 1`,
	},
	{
		Version: 4,
		Name:    "streams",
		SQL: `CREATE TABLE stream_streams (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	name            TEXT NOT NULL UNIQUE,
	mode            TEXT NOT NULL,
	retention_hours INTEGER NOT NULL,
	max_record_kib  INTEGER NOT NULL,
	tags            TEXT NOT NULL,
	created_at      INTEGER NOT NULL
);
CREATE TABLE stream_shards (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	stream_id   INTEGER NOT NULL,
	shard_index INTEGER NOT NULL,
	hash_start  TEXT NOT NULL,
	hash_end    TEXT NOT NULL,
	parent      TEXT NOT NULL,
	adjacent    TEXT NOT NULL,
	start_seq   INTEGER NOT NULL,
	end_seq     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	closed_at   INTEGER NOT NULL
);
CREATE TABLE stream_records (
	seq           INTEGER PRIMARY KEY,
	shard_id      INTEGER NOT NULL,
	arrived       INTEGER NOT NULL,
	partition_key TEXT NOT NULL,
	data          BLOB NOT NULL
);
CREATE INDEX stream_records_shard ON stream_records(shard_id, seq);
CREATE INDEX stream_records_arrival ON stream_records(shard_id, arrived);
CREATE TABLE stream_consumers (
	stream_id  INTEGER NOT NULL,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (stream_id, name)
) WITHOUT ROWID;
CREATE TABLE stream_purge (
	shard_id INTEGER PRIMARY KEY
);
CREATE TABLE stream_settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;`,
	},
}
