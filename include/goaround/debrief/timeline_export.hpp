#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "goaround/chat/templates.hpp"
#include "goaround/store/store.hpp"

namespace goaround::debrief {

// Which entries a timeline shows: the story (without the noise of typed commands, pressed
// buttons, progress ticks and reminders, which stay on record), everything, or one entry.
struct TimelineView {
  bool everything = false;
  std::optional<std::int64_t> only;  // one entry (what an edit changed)
};
// The template context for an incident's timeline (templates/timeline.mustache): the entries of
// the view in their latest revision, marked when edited or withdrawn, numbered in one column.
boost::json::object timeline_context(store::Store& store, const model::Incident& incident, TimelineView view = {});
// What every incident template starts from: number, service, environment, state, when and by whom opened.
boost::json::object incident_fields(const model::Incident& incident);

enum class ExportFormat { markdown, json, csv };
std::optional<ExportFormat> export_format(std::string_view name);

// An incident's timeline for people (Markdown: the latest view, edits marked) or for tools
// (JSON, CSV: every row with every field, originals and revisions, in the order written).
std::string export_timeline(store::Store& store, const chat::Templates& templates,
                            const model::Incident& incident, ExportFormat format);

}  // namespace goaround::debrief
