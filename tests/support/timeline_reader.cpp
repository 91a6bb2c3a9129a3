#include "support/timeline_reader.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace goaround::testing {
namespace json = boost::json;

namespace {

// The export's documented header (README: timeline export).
const std::vector<std::string> csv_columns{"id",   "incident_id", "at",      "kind",  "actor",
                                           "text", "data",        "revises", "source"};

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> csv_records(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      record.push_back(std::exchange(field, {}));
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::exchange(field, {}));
      records.push_back(std::exchange(record, {}));
      field_started = false;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw std::invalid_argument("CSV: a quoted field is not closed");
  if (field_started || !record.empty()) {
    record.push_back(field);
    records.push_back(record);
  }
  return records;
}

std::int64_t to_id(const std::string& text) {
  std::size_t used = 0;
  const auto n = std::stoll(text, &used);
  if (used != text.size()) throw std::invalid_argument("not a number: " + text);
  return n;
}

json::object to_object(std::string_view text) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) throw std::invalid_argument("data is not a JSON object");
  return std::move(parsed.get_object());
}

}  // namespace

std::vector<model::Event> parse_timeline_json(std::string_view text) {
  boost::system::error_code ec;
  const auto value = json::parse(text, ec);
  if (ec || !value.is_array()) throw std::invalid_argument("JSON: not an array of events");
  std::vector<model::Event> out;
  for (const auto& item : value.get_array()) {
    const auto& o = item.as_object();
    model::Event e;
    e.id = o.at("id").as_int64();
    e.incident_id = o.at("incident_id").as_int64();
    e.at = o.at("at").as_string();
    e.kind = model::event_kind(o.at("kind").as_string());
    e.actor = o.at("actor").as_string();
    e.text = o.at("text").as_string();
    e.data = o.at("data").as_object();
    if (!o.at("revises").is_null()) e.revises = o.at("revises").as_int64();
    if (!o.at("source").is_null()) e.source = std::string(o.at("source").as_string());
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<model::Event> parse_timeline_csv(std::string_view text) {
  const auto records = csv_records(text);
  if (records.empty() || records.front() != csv_columns)
    throw std::invalid_argument("CSV: the header is not " + std::to_string(csv_columns.size()) +
                                " timeline columns");
  std::vector<model::Event> out;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& f = records[r];
    if (f.size() != csv_columns.size())
      throw std::invalid_argument("CSV: record " + std::to_string(r) + " has " +
                                  std::to_string(f.size()) + " fields");
    model::Event e{to_id(f[0]), to_id(f[1]), f[2], model::event_kind(f[3]), f[4], f[5], to_object(f[6]),
                   f[7].empty() ? std::nullopt : std::optional(to_id(f[7])),
                   f[8].empty() ? std::nullopt : std::optional(f[8])};
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace goaround::testing
