#include "goaround/model/records.hpp"

#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>

#include <boost/json/parse.hpp>

#include "goaround/model/json_path.hpp"

#include <string>

namespace goaround::model {

std::optional<std::string> Deployment::detail(std::string_view key) const {
  boost::system::error_code ec;
  const auto data = boost::json::parse(data_json, ec);
  const auto* value = ec ? nullptr : at(data, {key});
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::string Execution::flag() const {
  boost::system::error_code ec;
  const auto plan = boost::json::parse(plan_json, ec);
  if (ec || text_at(plan, {"route"}) != "flag") return "";
  return text_at(plan, {"flag"});
}

std::string_view to_string(IncidentState state) { return boost::describe::enum_to_string(state, "unknown"); }
std::string_view to_string(ExecutionState state) { return boost::describe::enum_to_string(state, "unknown"); }

bool parse(std::string_view name, IncidentState& state) {
  return boost::describe::enum_from_string(std::string(name).c_str(), state);
}
bool parse(std::string_view name, ExecutionState& state) {
  return boost::describe::enum_from_string(std::string(name).c_str(), state);
}

boost::json::value brief_context(const std::optional<Brief>& brief) {
  if (!brief) return nullptr;
  boost::system::error_code ec;
  auto data = boost::json::parse(brief->data_json, ec);
  if (ec || !data.is_object()) return nullptr;
  boost::json::object context{{"author", brief->author}, {"at", brief->created_at}, {"from", brief->text}};
  for (auto key : brief_fields)
    if (const auto* v = data.get_object().if_contains(key); v && v->is_string() && !v->get_string().empty())
      context[key] = *v;
  return context;
}

}  // namespace goaround::model
