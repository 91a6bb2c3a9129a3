// What drills measured, read back from the timeline their results were recorded in.
#include "goaround/store/store.hpp"

namespace goaround::store {

std::optional<model::events::Result> recorded_result(Store& store, const model::Execution& execution) {
  for (const auto& event : store.timeline().events(execution.incident_id, model::chatter_kinds()))
    if (event.kind == model::EventKind::result)
      if (auto result = event.payload<model::events::Result>(); result.execution == execution.id) return result;
  return std::nullopt;
}

std::optional<Drill> last_drill(Store& store, const std::string& twin, std::optional<std::string> before) {
  for (auto& drill : store.executions().ran_for(twin, 50)) {  // newest first
    // Stored times are fixed-width UTC, so text order is time order; the same millisecond
    // counts as before (a clock that only a console's :advance moves).
    if (!drill.finished_at || (before && *drill.finished_at > *before)) continue;
    auto result = recorded_result(store, drill);
    if (!result) continue;
    const auto incident = store.incidents().find(drill.incident_id);
    return Drill{std::move(drill), std::move(*result), incident ? incident->environment : ""};
  }
  return std::nullopt;
}

}  // namespace goaround::store
