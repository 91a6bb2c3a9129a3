#include "goaround/core/timeline_export.hpp"

#include <boost/json.hpp>

#include <stdexcept>

#include "goaround/core/incidents.hpp"

namespace goaround::core {
namespace json = boost::json;

namespace {

const std::vector<std::string> csv_columns{"id",   "incident_id", "at",      "kind",  "actor",
                                           "text", "data",        "revises", "source"};

// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes.
std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

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

}  // namespace

std::optional<ExportFormat> export_format(std::string_view name) {
  if (name == "md" || name == "markdown") return ExportFormat::markdown;
  if (name == "json") return ExportFormat::json;
  if (name == "csv") return ExportFormat::csv;
  return std::nullopt;
}

std::string export_timeline(store::Store& store, const chat::Templates& templates,
                            const store::Incident& incident, ExportFormat format) {
  if (format == ExportFormat::markdown) {
    auto context = timeline_context(store, incident);
    for (auto& e : context["events"].as_array()) {
      auto& o = e.as_object();
      o["text"] = chat::markdown_cell(o["text"].as_string());
      o["actor"] = chat::markdown_cell(o["actor"].as_string());
    }
    return templates.render("timeline.md", context) + "\n";
  }
  const auto rows = store.event_rows(incident.id);
  if (format == ExportFormat::json) {
    json::array out;
    for (const auto& e : rows) {
      json::object o{{"id", e.id},         {"incident_id", e.incident_id}, {"at", e.at},
                     {"kind", e.kind},     {"actor", e.actor},             {"text", e.text},
                     {"data", json::parse(e.data_json)}};
      o["revises"] = e.revises ? json::value(*e.revises) : json::value(nullptr);
      o["source"] = e.source ? json::value(*e.source) : json::value(nullptr);
      out.push_back(std::move(o));
    }
    return json::serialize(out) + "\n";
  }
  std::string out;
  for (std::size_t i = 0; i < csv_columns.size(); ++i) out += (i ? "," : "") + csv_columns[i];
  out += "\r\n";
  for (const auto& e : rows) {
    const std::vector<std::string> fields{std::to_string(e.id),
                                          std::to_string(e.incident_id),
                                          e.at,
                                          e.kind,
                                          e.actor,
                                          e.text,
                                          e.data_json,
                                          e.revises ? std::to_string(*e.revises) : "",
                                          e.source.value_or("")};
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  }
  return out;
}

std::vector<store::Event> parse_timeline_json(std::string_view text) {
  boost::system::error_code ec;
  const auto value = json::parse(text, ec);
  if (ec || !value.is_array()) throw std::invalid_argument("JSON: not an array of events");
  std::vector<store::Event> out;
  for (const auto& item : value.get_array()) {
    const auto& o = item.as_object();
    store::Event e;
    e.id = o.at("id").as_int64();
    e.incident_id = o.at("incident_id").as_int64();
    e.at = o.at("at").as_string();
    e.kind = o.at("kind").as_string();
    e.actor = o.at("actor").as_string();
    e.text = o.at("text").as_string();
    e.data_json = json::serialize(o.at("data"));
    if (!o.at("revises").is_null()) e.revises = o.at("revises").as_int64();
    if (!o.at("source").is_null()) e.source = std::string(o.at("source").as_string());
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<store::Event> parse_timeline_csv(std::string_view text) {
  const auto records = csv_records(text);
  if (records.empty() || records.front() != csv_columns)
    throw std::invalid_argument("CSV: the header is not " + std::to_string(csv_columns.size()) +
                                " timeline columns");
  std::vector<store::Event> out;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& f = records[r];
    if (f.size() != csv_columns.size())
      throw std::invalid_argument("CSV: record " + std::to_string(r) + " has " +
                                  std::to_string(f.size()) + " fields");
    store::Event e{to_id(f[0]), to_id(f[1]), f[2], f[3], f[4], f[5], f[6],
                   f[7].empty() ? std::nullopt : std::optional(to_id(f[7])),
                   f[8].empty() ? std::nullopt : std::optional(f[8])};
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace goaround::core
