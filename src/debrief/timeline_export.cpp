#include "goaround/debrief/timeline_export.hpp"

#include <boost/json.hpp>


namespace goaround::debrief {
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

}  // namespace

json::object timeline_context(store::Store& store, const model::Incident& incident, TimelineView view) {
  const auto all = store.timeline().events(incident.id);
  std::vector<const model::Event*> shown;
  for (const auto& e : all)
    if (view.only ? e.id == *view.only : view.everything || !model::is_chatter(e.kind)) shown.push_back(&e);
  // One width for the entry numbers, so the columns do not shift at #10.
  std::size_t width = 0;
  for (const auto* e : shown) width = std::max(width, std::to_string(e->id).size());
  json::array events;
  for (const auto* e : shown) {
    std::string padded(model::to_string(e->kind));
    padded.resize(std::max<std::size_t>(padded.size(), 16), ' ');
    auto ref = "#" + std::to_string(e->id);
    ref.resize(width + 1, ' ');
    // One line per entry: the rest of a long one (a result's checks, an update's list) is in
    // the export and in the entry's own message.
    const auto newline = e->text.find('\n');
    const auto more = newline == std::string::npos ? 0 : std::count(e->text.begin(), e->text.end(), '\n');
    events.push_back({{"id", e->id},          {"ref", ref},          {"at", e->at},
                      {"kind", model::to_string(e->kind)}, {"kind_padded", padded},
                      {"actor", e->actor},    {"text", e->text},     {"first_line", e->text.substr(0, newline)},
                      {"more_lines", more ? std::to_string(more) : ""},
                      {"revised", e->revised}, {"withdrawn", e->withdrawn}});
  }
  auto context = incident_fields(incident);
  context["events"] = std::move(events);
  if (!view.only && all.size() > shown.size())
    context["left_out"] = std::to_string(all.size() - shown.size());
  return context;
}

json::object incident_fields(const model::Incident& incident) {
  return {{"incident", incident.id},
          {"service", incident.service},
          {"environment", incident.environment},
          {"state", model::to_string(incident.state)},
          {"opened_at", incident.opened_at},
          {"opened_by", incident.opened_by}};
}

std::optional<ExportFormat> export_format(std::string_view name) {
  if (name == "md" || name == "markdown") return ExportFormat::markdown;
  if (name == "json") return ExportFormat::json;
  if (name == "csv") return ExportFormat::csv;
  return std::nullopt;
}

std::string export_timeline(store::Store& store, const chat::Templates& templates,
                            const model::Incident& incident, ExportFormat format) {
  if (format == ExportFormat::markdown) {
    auto context = timeline_context(store, incident, {.everything = true});
    for (auto& e : context["events"].as_array()) {
      auto& o = e.as_object();
      o["text"] = chat::markdown_cell(o["text"].as_string());
      o["actor"] = chat::markdown_cell(o["actor"].as_string());
    }
    return templates.render("timeline.md", context) + "\n";
  }
  const auto rows = store.timeline().rows(incident.id);
  if (format == ExportFormat::json) {
    json::array out;
    for (const auto& e : rows) {
      json::object o{{"id", e.id},         {"incident_id", e.incident_id}, {"at", e.at},
                     {"kind", model::to_string(e.kind)}, {"actor", e.actor}, {"text", e.text},
                     {"data", e.data}};
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
                                          std::string(model::to_string(e.kind)),
                                          e.actor,
                                          e.text,
                                          json::serialize(e.data),
                                          e.revises ? std::to_string(*e.revises) : "",
                                          e.source.value_or("")};
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  }
  return out;
}

}  // namespace goaround::debrief
