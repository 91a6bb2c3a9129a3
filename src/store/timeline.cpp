#include "goaround/store/sql_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace goaround::store::sql {
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

model::Event read_event_row(const Row& r) {
  return model::Event{r.int64(0), r.int64(1), r.text(2), model::event_kind(r.text(3)), r.text(4), r.text(5),
                      read_payload(r.text(6)), r.optional_int64(7), r.optional_text(8)};
}

std::optional<model::Event> first_event(const Result& result) {
  if (!result.first()) return std::nullopt;
  return read_event_row(*result.first());
}

}  // namespace

std::int64_t Timeline::append(std::int64_t incident_id, model::EventKind kind, const std::string& actor,
                             const std::string& text, const boost::json::object& data) {
  return c_.db
      .run("INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)"
           " RETURNING id",
           {incident_id, c_.now(), std::string(model::to_string(kind)), actor, text, boost::json::serialize(data)})
      .first()
      ->int64(0);
}

void Timeline::append_many(std::int64_t incident_id, const std::vector<NewEvent>& events) {
  WriteTransaction tx(c_.db);
  const auto at = c_.now();
  for (const auto& e : events)
    c_.db.run("INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)",
              {incident_id, at, std::string(model::to_string(e.kind)), e.actor, e.text,
               boost::json::serialize(e.data)});
  tx.commit();
}

std::vector<model::Event> Timeline::events(std::int64_t incident_id, const std::vector<model::EventKind>& skip_kinds) {
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

std::vector<model::Event> Timeline::rows(std::int64_t incident_id, const std::vector<model::EventKind>& skip_kinds) {
  // Revisions are always read: they may revise an entry of any kind that is read.
  std::string statement = std::string("SELECT ") + event_row_columns + " FROM timeline_events WHERE incident_id = ?";
  std::vector<Value> parameters{incident_id};
  if (!skip_kinds.empty()) {
    statement += " AND (revises IS NOT NULL OR kind NOT IN (?";
    for (std::size_t i = 1; i < skip_kinds.size(); ++i) statement += ", ?";
    statement += "))";
    for (const auto kind : skip_kinds) parameters.emplace_back(std::string(model::to_string(kind)));
  }
  return read_all(c_.db.run(statement + " ORDER BY id", parameters), read_event_row);
}

std::optional<model::Event> Timeline::find(std::int64_t id) {
  return first_event(c_.db.run(std::string("SELECT ") + event_row_columns + " FROM timeline_events WHERE id = ?", {id}));
}

bool Timeline::has(std::int64_t incident_id, model::EventKind kind) {
  return c_.db
      .run("SELECT EXISTS (SELECT 1 FROM timeline_events WHERE incident_id = ? AND kind = ?)",
           {incident_id, std::string(model::to_string(kind))})
      .first()
      ->boolean(0);
}

std::optional<std::int64_t> Timeline::capture(std::int64_t incident_id, model::EventKind kind, const std::string& actor,
                                              const std::string& text, const std::string& at,
                                              const std::string& source, const boost::json::object& data) {
  const auto inserted = c_.db.run(
      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, source)"
      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
      {incident_id, at, std::string(model::to_string(kind)), actor, text, boost::json::serialize(data), source});
  if (!inserted.first()) return std::nullopt;
  return inserted.first()->int64(0);
}

std::optional<model::Event> Timeline::by_source(const std::string& source) {
  return first_event(c_.db.run(std::string("SELECT ") + event_row_columns +
                                   " FROM timeline_events WHERE source = ? AND revises IS NULL",
                               {source}));
}

std::int64_t Timeline::revise(std::int64_t event_id, const model::EventRevision& revision, const std::string& editor) {
  WriteTransaction tx(c_.db);
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
  const auto id = c_.db
                      .run("INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, revises)"
                           " VALUES (?, ?, 'revision', ?, ?, ?, ?) RETURNING id",
                           {original->incident_id, revision.at.value_or(at), editor, revision.text.value_or(text),
                            boost::json::serialize(model::encode(
                                model::events::Revision{c_.now(), revision.withdrawn.value_or(withdrawn)})),
                            event_id})
                      .first()
                      ->int64(0);
  tx.commit();
  return id;
}

}  // namespace goaround::store::sql
