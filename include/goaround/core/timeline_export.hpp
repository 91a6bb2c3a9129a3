#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "goaround/chat/templates.hpp"
#include "goaround/store/store.hpp"

namespace goaround::core {

enum class ExportFormat { markdown, json, csv };
std::optional<ExportFormat> export_format(std::string_view name);

// An incident's timeline for people (Markdown: the latest view, edits marked) or for tools
// (JSON, CSV: every row with every field, originals and revisions, in the order written).
std::string export_timeline(store::Store& store, const chat::Templates& templates,
                            const store::Incident& incident, ExportFormat format);

// The inverses of the JSON and CSV exports; throw std::invalid_argument on malformed input.
std::vector<store::Event> parse_timeline_json(std::string_view text);
std::vector<store::Event> parse_timeline_csv(std::string_view text);

}  // namespace goaround::core
