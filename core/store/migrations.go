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
	{
		Version: 5,
		Name:    "state machines",
		SQL: `CREATE TABLE machine_machines (
	arn         TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	type        TEXT NOT NULL,
	definition  TEXT NOT NULL,
	role_arn    TEXT NOT NULL,
	description TEXT NOT NULL,
	tags        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	revision    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE machine_executions (
	arn         TEXT PRIMARY KEY,
	machine_arn TEXT NOT NULL,
	name        TEXT NOT NULL,
	type        TEXT NOT NULL,
	status      TEXT NOT NULL,
	input       TEXT NOT NULL,
	output      TEXT,
	error       TEXT,
	cause       TEXT,
	role_arn    TEXT NOT NULL,
	definition  TEXT NOT NULL,
	test_case   TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	stopped_at  INTEGER NOT NULL DEFAULT 0,
	seq         INTEGER NOT NULL,
	checkpoint  TEXT
) WITHOUT ROWID;
CREATE INDEX machine_executions_machine ON machine_executions(machine_arn, seq);
CREATE TABLE machine_history (
	execution_arn TEXT NOT NULL,
	id            INTEGER NOT NULL,
	event         TEXT NOT NULL,
	PRIMARY KEY (execution_arn, id)
) WITHOUT ROWID;`,
	},
	{
		Version: 6,
		Name:    "functions",
		SQL: `CREATE TABLE function_functions (
	name        TEXT PRIMARY KEY,
	definition  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	modified_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE function_mappings (
	uuid        TEXT PRIMARY KEY,
	function    TEXT NOT NULL,
	source_arn  TEXT NOT NULL,
	config      TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE function_checkpoints (
	uuid     TEXT NOT NULL,
	shard_id TEXT NOT NULL,
	sequence TEXT NOT NULL,
	PRIMARY KEY (uuid, shard_id)
) WITHOUT ROWID;`,
	},
	{
		Version: 7,
		Name:    "gateway",
		SQL: `CREATE TABLE gateway_apis (
	name        TEXT PRIMARY KEY,
	api_id      TEXT NOT NULL UNIQUE,
	spec        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	modified_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE gateway_api_keys (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	value      TEXT NOT NULL UNIQUE,
	enabled    INTEGER NOT NULL,
	plans      TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE gateway_usage_plans (
	name TEXT PRIMARY KEY,
	spec TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE gateway_usage (
	plan         TEXT NOT NULL,
	key_id       TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	used         INTEGER NOT NULL,
	PRIMARY KEY (plan, key_id)
) WITHOUT ROWID;`,
	},
	{
		// The MD5 digests a send computed for its answer, so that a
		// receive of a message read back from the store (a restart, or a
		// backlog larger than the body cache) does not hash its body
		// again. Rows from before stay NULL and are hashed when read.
		Version: 8,
		Name:    "queue-digests",
		SQL: `ALTER TABLE queue_messages ADD COLUMN md5_body TEXT;
ALTER TABLE queue_messages ADD COLUMN md5_attrs TEXT;`,
	},
	{
		// The queue service keeps every stored message's send time in
		// memory (retention, age of the oldest message) and names the rows
		// of purges and deleted queues itself, so the index by queue and
		// send time only cost every send and delete a second B-tree write.
		Version: 9,
		Name:    "queue-drop-age-index",
		SQL:     `DROP INDEX IF EXISTS queue_messages_age;`,
	},
}
