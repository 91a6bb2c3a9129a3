#include <array>
#include <regex>
#include <string>
#include <utility>

#include "goaround/store/sql_store.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::store::sql {
namespace {

// One schema change, written in SQLite's words; postgres_words() says it in PostgreSQL's. A
// database of either kind at version N has the same tables, columns and constraints.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Forward-only: never edit a migration that has shipped; add the next number instead.
constexpr std::array migrations{
    Migration{1, "incident timeline", R"sql(
      CREATE TABLE incidents (
        id          INTEGER PRIMARY KEY,
        service     TEXT NOT NULL,
        environment TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
        opened_at   TEXT NOT NULL,
        closed_at   TEXT,
        opened_by   TEXT NOT NULL,
        reason      TEXT NOT NULL DEFAULT '',
        channel     TEXT NOT NULL DEFAULT '',
        thread      TEXT NOT NULL DEFAULT '',
        CHECK ((state = 'open') = (closed_at IS NULL))
      );
      CREATE UNIQUE INDEX incidents_one_open_per_service ON incidents (service) WHERE state = 'open';
      CREATE TABLE timeline_events (
        id          INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        at          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        text        TEXT NOT NULL,
        data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data) AND json_type(data) = 'object')
      );
      CREATE INDEX timeline_events_by_incident ON timeline_events (incident_id, at);
    )sql"},
    Migration{2, "executions and service locks", R"sql(
      CREATE TABLE executions (
        id            INTEGER PRIMARY KEY,
        incident_id   INTEGER NOT NULL REFERENCES incidents (id),
        service       TEXT NOT NULL,
        adapter       TEXT NOT NULL,
        argv          TEXT NOT NULL CHECK (json_valid(argv) AND json_type(argv) = 'array'),
        from_revision TEXT NOT NULL,
        to_revision   TEXT NOT NULL,
        requested_by  TEXT NOT NULL,
        reason        TEXT NOT NULL DEFAULT '',
        state         TEXT NOT NULL CHECK (state IN
                        ('planned', 'cancelled', 'running', 'succeeded', 'failed', 'interrupted')),
        created_at    TEXT NOT NULL,
        confirmed_by  TEXT,
        started_at    TEXT,
        finished_at   TEXT,
        exit_code     INTEGER,
        output_tail   TEXT NOT NULL DEFAULT '',
        verification  TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX executions_by_service ON executions (service, state);
      -- At most one execution per service holds the lock; it survives restarts on purpose.
      CREATE TABLE service_locks (
        service      TEXT PRIMARY KEY,
        execution_id INTEGER NOT NULL UNIQUE REFERENCES executions (id),
        holder       TEXT NOT NULL,
        acquired_at  TEXT NOT NULL
      );
    )sql"},
    Migration{3, "briefs, deployments, status schedules, seen envelopes", R"sql(
      CREATE TABLE briefs (
        id          INTEGER PRIMARY KEY,
        service     TEXT NOT NULL,
        incident_id INTEGER REFERENCES incidents (id),
        created_at  TEXT NOT NULL,
        author      TEXT NOT NULL,
        text        TEXT NOT NULL,
        data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
      );
      CREATE TABLE deployments (
        id             INTEGER PRIMARY KEY,
        service        TEXT NOT NULL,
        environment    TEXT NOT NULL,
        revision       TEXT NOT NULL,
        registered_at  TEXT NOT NULL,
        registered_by  TEXT NOT NULL,
        migration_kind TEXT NOT NULL DEFAULT 'none',
        data           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
      );
      CREATE INDEX deployments_by_service ON deployments (service, registered_at);
      CREATE TABLE status_schedules (
        incident_id      INTEGER PRIMARY KEY REFERENCES incidents (id),
        interval_seconds INTEGER NOT NULL CHECK (interval_seconds > 0),
        next_due_at      TEXT NOT NULL,
        last_posted_at   TEXT
      );
      CREATE TABLE processed_envelopes (
        envelope_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL,
        kind        TEXT NOT NULL DEFAULT ''
      );
    )sql"},
    Migration{4, "execution plans, for re-checking after a restart", R"sql(
      ALTER TABLE executions ADD COLUMN plan TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(plan));
    )sql"},
    Migration{5, "status cadence state, incident close and commander, corrective actions", R"sql(
      ALTER TABLE incidents ADD COLUMN commander TEXT NOT NULL DEFAULT '';
      ALTER TABLE incidents ADD COLUMN summary TEXT NOT NULL DEFAULT '';
      ALTER TABLE status_schedules ADD COLUMN last_human_at TEXT;
      ALTER TABLE status_schedules ADD COLUMN reminded_at TEXT;
      ALTER TABLE status_schedules ADD COLUMN detection_value REAL;
      ALTER TABLE status_schedules ADD COLUMN last_value REAL;
      CREATE TABLE actions (
        id          INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        text        TEXT NOT NULL,
        owner       TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
    )sql"},
    Migration{6, "append-only timeline revisions and captured-message sources", R"sql(
      -- An edit or withdrawal is a new row that revises the original; nothing is overwritten.
      ALTER TABLE timeline_events ADD COLUMN revises INTEGER REFERENCES timeline_events (id);
      -- Where a captured entry came from (e.g. a chat message id), so it is recorded once.
      ALTER TABLE timeline_events ADD COLUMN source TEXT;
      CREATE UNIQUE INDEX timeline_events_one_capture ON timeline_events (source)
        WHERE source IS NOT NULL AND revises IS NULL;
      CREATE INDEX timeline_events_revisions ON timeline_events (revises) WHERE revises IS NOT NULL;
    )sql"},
    Migration{7, "change freezes", R"sql(
      CREATE TABLE freezes (
        id          INTEGER PRIMARY KEY,
        scope       TEXT NOT NULL,  -- a service, or '*' for all
        reason      TEXT NOT NULL,
        frozen_by   TEXT NOT NULL,
        frozen_at   TEXT NOT NULL,
        incident_id INTEGER REFERENCES incidents (id),
        lifted_at   TEXT,
        lifted_by   TEXT
      );
      CREATE UNIQUE INDEX freezes_one_active ON freezes (scope) WHERE lifted_at IS NULL;
      CREATE INDEX briefs_by_service ON briefs (service, id);
    )sql"},
    Migration{8, "go-arounds owned by a live process: owners with heartbeats", R"sql(
      -- One row per goaround process that has run a go-around; heartbeat_ms is the Unix time
      -- in ms of its last renewal. A running execution whose owner's heartbeat is older than
      -- the lease belongs to a dead process and may be taken over by any other.
      CREATE TABLE owners (
        owner        TEXT PRIMARY KEY,
        host         TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started_at   TEXT NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        machine      TEXT NOT NULL DEFAULT ''  -- boot id and pid namespace: where a pid means something
      );
      ALTER TABLE executions ADD COLUMN owner TEXT;
      ALTER TABLE executions ADD COLUMN taken_over_by TEXT;
    )sql"},
    Migration{9, "a go-around's freeze and a person's freeze hold a scope side by side", R"sql(
      DROP INDEX freezes_one_active;
      -- One freeze by people and one per incident's go-around on each scope; all of them hold.
      CREATE UNIQUE INDEX freezes_one_active ON freezes (scope, COALESCE(incident_id, 0))
        WHERE lifted_at IS NULL;
    )sql"},
    Migration{10, "rejected revisions: what a go-around left, CI may not register again", R"sql(
      CREATE TABLE rejected_revisions (
        id           INTEGER PRIMARY KEY,
        service      TEXT NOT NULL,
        revision     TEXT NOT NULL,
        image        TEXT NOT NULL DEFAULT '',
        reason       TEXT NOT NULL DEFAULT '',
        rejected_by  TEXT NOT NULL,
        rejected_at  TEXT NOT NULL,
        incident_id  INTEGER REFERENCES incidents (id),
        execution_id INTEGER REFERENCES executions (id),
        accepted_by  TEXT,
        accepted_at  TEXT
      );
      CREATE UNIQUE INDEX rejected_one_active ON rejected_revisions (service, revision) WHERE accepted_at IS NULL;
    )sql"},
    Migration{11, "leases: one replica does the work that must happen once", R"sql(
      -- The holder does the work until expires_ms (Unix ms on the database's clock); token
      -- rises on every change of holder, and fenced writes name it, so a deposed holder's
      -- late write changes nothing.
      CREATE TABLE leases (
        name        TEXT PRIMARY KEY,
        holder      TEXT NOT NULL,
        token       BIGINT NOT NULL,
        expires_ms  BIGINT NOT NULL,
        acquired_at TEXT NOT NULL
      );
    )sql"},
    Migration{12, "practice reminders: one per service and lapse, across replicas", R"sql(
      -- `since`: the end of the drill whose practice_every ran out ('' when none ever ran).
      CREATE TABLE practice_reminders (
        service TEXT NOT NULL,
        since   TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (service, since)
      );
    )sql"},
};

// The few places where the two dialects differ in the migrations above: SQLite's rowid keys
// are identity columns, its integers and reals PostgreSQL's 64-bit ones, its JSON checks
// jsonb casts, and an expression in an index's column list takes parentheses.
std::string postgres_words(std::string sql) {
  static const std::array<std::pair<std::regex, const char*>, 6> rules{{
      {std::regex(R"(INTEGER PRIMARY KEY)"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
      {std::regex(R"(\bINTEGER\b)"), "BIGINT"},
      {std::regex(R"(\bREAL\b)"), "DOUBLE PRECISION"},
      {std::regex(R"(json_valid\((\w+)\) AND json_type\(\w+\) = ('\w+'))"), "jsonb_typeof($1::jsonb) = $2"},
      {std::regex(R"(CHECK \(json_valid\((\w+)\)\))"), "CHECK ($1::jsonb IS NOT NULL)"},
      {std::regex(R"(, (COALESCE\([^()]*\)))"), ", ($1)"},
  }};
  for (const auto& [pattern, replacement] : rules) sql = std::regex_replace(sql, pattern, replacement);
  return sql;
}

}  // namespace

int latest_schema_version() { return migrations.back().version; }

int schema_version(Session& db) {
  const auto exists = db.run(db.dialect() == Dialect::postgres
                                 ? "SELECT to_regclass('schema_migrations') IS NOT NULL"
                                 : "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')");
  if (!exists.first()->boolean(0)) return 0;
  return static_cast<int>(db.run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first()->int64(0));
}

void migrate(Session& db, std::optional<int> up_to) {
  // Every connection opens through here (the bot's, the ledger's, the lease's): one read when
  // the schema is current, no write lock.
  const int wanted = up_to.value_or(latest_schema_version());
  if (schema_version(db) >= wanted) return;
  // One write transaction from reading the version to the last migration (PostgreSQL's DDL
  // is transactional too): processes or replicas starting together migrate once, the second
  // waiting for the first and then finding nothing to do.
  WriteTransaction tx(db);
  db.run_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const int current = schema_version(db);
  for (const auto& m : migrations) {
    if (m.version <= current || (up_to && m.version > *up_to)) continue;
    db.run_script(db.dialect() == Dialect::postgres ? postgres_words(m.sql) : std::string(m.sql));
    db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
           {m.version, m.name, time::format_utc(time::SystemClock().now())});
  }
  tx.commit();
}

}  // namespace goaround::store::sql
