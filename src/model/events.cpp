#include "goaround/model/events.hpp"

#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>

#include <algorithm>
#include <string>

namespace goaround::model {

std::string_view to_string(EventKind kind) { return boost::describe::enum_to_string(kind, "other"); }

EventKind event_kind(std::string_view name) {
  EventKind kind = EventKind::other;
  boost::describe::enum_from_string(std::string(name).c_str(), kind);
  return kind;
}

std::string_view in_words(Outcome outcome) {
  switch (outcome) {
    case Outcome::verified: return "verified";
    case Outcome::verification_failed: return "did not verify";
    case Outcome::failed: return "failed";
  }
  return "failed";
}

const std::vector<EventKind>& chatter_kinds() {
  static const std::vector<EventKind> kinds{EventKind::progress, EventKind::status_reminder, EventKind::snooze,
                                            EventKind::typed, EventKind::pressed};
  return kinds;
}

bool is_chatter(EventKind kind) {
  const auto& kinds = chatter_kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

}  // namespace goaround::model
