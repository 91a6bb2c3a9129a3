#include "goaround/model/records.hpp"

#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>

#include <string>

namespace goaround::model {

std::string_view to_string(IncidentState state) { return boost::describe::enum_to_string(state, "unknown"); }
std::string_view to_string(ExecutionState state) { return boost::describe::enum_to_string(state, "unknown"); }

bool parse(std::string_view name, IncidentState& state) {
  return boost::describe::enum_from_string(std::string(name).c_str(), state);
}
bool parse(std::string_view name, ExecutionState& state) {
  return boost::describe::enum_from_string(std::string(name).c_str(), state);
}

}  // namespace goaround::model
