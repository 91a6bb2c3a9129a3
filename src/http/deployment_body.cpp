#include "goaround/http/deployment_body.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "goaround/model/records.hpp"

namespace goaround::http {
namespace json = boost::json;

namespace {

// The string at `key`, if it is one and not blank.
std::optional<std::string> text_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string() || v->get_string().empty()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

std::variant<core::NewDeployment, std::string> decode_deployment(std::string_view body) {
  boost::system::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "the body must be a JSON object";
  const auto& o = parsed.get_object();
  static const std::set<std::string_view> known{"service",   "environment",       "revision",
                                                "image",     "previous_revision", "migration",
                                                "feature_flag", "registered_by",  "brief", "commit"};
  for (const auto& [key, value] : o)
    if (!known.count(key)) return "unknown field `" + std::string(key) + "`";
  for (const auto* key : {"service", "environment", "revision"})
    if (!text_field(o, key)) return "`" + std::string(key) + "` is required (a non-empty string)";
  for (const auto* key : {"image", "previous_revision", "feature_flag", "registered_by", "commit"})
    if (o.if_contains(key) && !o.at(key).is_string()) return "`" + std::string(key) + "` must be a string";
  // The commit a GitOps go-around reverts: it reaches git's command line.
  if (const auto commit = text_field(o, "commit");
      commit && (commit->size() < 7 || commit->size() > 40 ||
                 !std::all_of(commit->begin(), commit->end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })))
    return "`commit` must be a commit SHA (7 to 40 hex digits)";
  const auto migration = o.if_contains("migration") ? text_field(o, "migration") : std::string("none");
  if (!migration || (*migration != "none" && *migration != "additive" && *migration != "destructive"))
    return "`migration` must be none, additive or destructive";
  core::NewDeployment d{*text_field(o, "service"), *text_field(o, "environment"), *text_field(o, "revision"),
                        *migration, text_field(o, "registered_by").value_or("ci"), {}, {}};
  for (const auto* key : {"image", "previous_revision", "feature_flag", "commit"})
    if (auto v = text_field(o, key)) d.details[key] = *v;
  if (const auto* b = o.if_contains("brief")) {
    if (!b->is_object()) return "`brief` must be an object with changes, signals, stop, rollback, not_fixing";
    for (const auto& [key, value] : b->get_object()) {
      if (std::find(std::begin(model::brief_fields), std::end(model::brief_fields), key) == std::end(model::brief_fields))
        return "unknown brief field `" + std::string(key) + "` (known: changes, signals, stop, rollback, not_fixing)";
      if (!value.is_string()) return "brief." + std::string(key) + " must be a string";
      d.brief[std::string(key)] = std::string(value.get_string());
    }
  }
  return d;
}

core::Registration register_body(core::Engine& engine, std::string_view body) {
  auto decoded = decode_deployment(body);
  if (auto* why = std::get_if<std::string>(&decoded)) return {core::Registration::Outcome::invalid, std::move(*why), 0};
  return engine.register_deployment(std::get<core::NewDeployment>(decoded));
}

}  // namespace goaround::http
