#include "goaround/store/sqlite_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace goaround::store::sqlite {
namespace {

constexpr const char* event_row_columns =
    "id, incident_id, at, kind, actor, text, data, revises, source";

// The payload column always holds a JSON object; anything else reads as no details.
boost::json::object read_payload(const std::string& text) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return {};
  return std::move(parsed.get_object());
}

model::Event read_event_row(SQLite::Statement& q) {
  return model::Event{q.getColumn(0).getInt64(),
                      q.getColumn(1).getInt64(),
                      q.getColumn(2).getString(),
                      model::event_kind(q.getColumn(3).getString()),
                      q.getColumn(4).getString(),
                      q.getColumn(5).getString(),
                      read_payload(q.getColumn(6).getString()),
                      q.getColumn(7).isNull() ? std::nullopt : std::optional(q.getColumn(7).getInt64()),
                      optional_text(q.getColumn(8))};
}

}  // namespace

std::int64_t SqliteTimeline::append(std::int64_t incident_id, model::EventKind kind,
                                 const std::string& actor, const std::string& text,
                                 const boost::json::object& data) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                      " VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, incident_id);
  q.bind(2, c_.now());
  q.bind(3, std::string(model::to_string(kind)));
  q.bind(4, actor);
  q.bind(5, text);
  q.bind(6, boost::json::serialize(data));
  q.exec();
  return c_.db.getLastInsertRowid();
}

void SqliteTimeline::append_many(std::int64_t incident_id, const std::vector<NewEvent>& events) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(c_.db,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                      " VALUES (?, ?, ?, ?, ?, ?)");
  const auto at = c_.now();
  for (const auto& e : events) {
    q.bind(1, incident_id);
    q.bind(2, at);
    q.bind(3, std::string(model::to_string(e.kind)));
    q.bind(4, e.actor);
    q.bind(5, e.text);
    q.bind(6, boost::json::serialize(e.data));
    q.exec();
    q.reset();
  }
  tx.commit();
}

std::vector<model::Event> SqliteTimeline::events(std::int64_t incident_id, const std::vector<model::EventKind>& skip_kinds) {
  // One pass over the rows in the order written: each revision overrides its original's
  // time and text (the last revision wins), then the view is ordered by time.
  auto written = rows(incident_id, skip_kinds);
  std::unordered_map<std::int64_t, std::size_t> latest;
  for (std::size_t i = 0; i < written.size(); ++i)
    if (written[i].revises) latest[*written[i].revises] = i;
  std::vector<model::Event> view;
  view.reserve(written.size() - latest.size());
  for (auto& e : written) {
    if (e.revises) continue;
    if (const auto it = latest.find(e.id); it != latest.end()) {
      const auto& revision = written[it->second];
      e.at = revision.at;
      e.text = revision.text;
      e.revised = true;
      e.withdrawn = revision.payload<model::events::Revision>().withdrawn;
    }
    view.push_back(std::move(e));
  }
  const auto by_time = [](const model::Event& a, const model::Event& b) { return a.at < b.at; };
  if (!std::is_sorted(view.begin(), view.end(), by_time))  // only edits of times unsort it
    std::stable_sort(view.begin(), view.end(), by_time);
  return view;
}

std::vector<model::Event> SqliteTimeline::rows(std::int64_t incident_id,
                                     const std::vector<model::EventKind>& skip_kinds) {
  // Revisions are always read: they may revise an entry of any kind that is read.
  std::string sql = std::string("SELECT ") + event_row_columns +
                    " FROM timeline_events WHERE incident_id = ?";
  if (!skip_kinds.empty()) {
    sql += " AND (revises IS NOT NULL OR kind NOT IN (?";
    for (std::size_t i = 1; i < skip_kinds.size(); ++i) sql += ", ?";
    sql += "))";
  }
  SQLite::Statement q(c_.db, sql + " ORDER BY id");
  q.bind(1, incident_id);
  for (std::size_t i = 0; i < skip_kinds.size(); ++i)
    q.bind(static_cast<int>(i) + 2, std::string(model::to_string(skip_kinds[i])));
  std::vector<model::Event> out;
  while (q.executeStep()) out.push_back(read_event_row(q));
  return out;
}

std::optional<model::Event> SqliteTimeline::find(std::int64_t id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + event_row_columns +
                               " FROM timeline_events WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_event_row(q);
}

bool SqliteTimeline::has(std::int64_t incident_id, model::EventKind kind) {
  SQLite::Statement q(c_.db, "SELECT EXISTS (SELECT 1 FROM timeline_events WHERE incident_id = ? AND kind = ?)");
  q.bind(1, incident_id);
  q.bind(2, std::string(model::to_string(kind)));
  q.executeStep();
  return q.getColumn(0).getInt() == 1;
}

std::optional<std::int64_t> SqliteTimeline::capture(std::int64_t incident_id, model::EventKind kind,
                                                 const std::string& actor, const std::string& text,
                                                 const std::string& at, const std::string& source,
                                                 const boost::json::object& data) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, source)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  q.bind(1, incident_id);
  q.bind(2, at);
  q.bind(3, std::string(model::to_string(kind)));
  q.bind(4, actor);
  q.bind(5, text);
  q.bind(6, boost::json::serialize(data));
  q.bind(7, source);
  if (q.exec() != 1) return std::nullopt;
  return c_.db.getLastInsertRowid();
}

std::optional<model::Event> SqliteTimeline::by_source(const std::string& source) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + event_row_columns +
                               " FROM timeline_events WHERE source = ? AND revises IS NULL");
  q.bind(1, source);
  if (!q.executeStep()) return std::nullopt;
  return read_event_row(q);
}

std::int64_t SqliteTimeline::revise(std::int64_t event_id, const model::EventRevision& revision,
                                 const std::string& editor) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  // Revisions build on the latest view of the entry, so a text edit keeps a corrected time.
  const auto original = find(event_id);
  if (!original || original->revises) throw std::invalid_argument("no such timeline entry");
  std::string at = original->at, text = original->text;
  bool withdrawn = false;
  for (const auto& e : events(original->incident_id))
    if (e.id == event_id) {
      at = e.at;
      text = e.text;
      withdrawn = e.withdrawn;
    }
  SQLite::Statement q(c_.db,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, revises)"
                      " VALUES (?, ?, 'revision', ?, ?, ?, ?)");
  q.bind(1, original->incident_id);
  q.bind(2, revision.at.value_or(at));
  q.bind(3, editor);
  q.bind(4, revision.text.value_or(text));
  q.bind(5, boost::json::serialize(model::encode(
                model::events::Revision{c_.now(), revision.withdrawn.value_or(withdrawn)})));
  q.bind(6, event_id);
  q.exec();
  const auto id = c_.db.getLastInsertRowid();
  tx.commit();
  return id;
}

}  // namespace goaround::store::sqlite
