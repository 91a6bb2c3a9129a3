#include "goaround/model/json_path.hpp"

namespace goaround::model {
namespace json = boost::json;

const json::value* at(const json::object& o, JsonPath path) {
  const json::object* node = &o;
  const json::value* found = nullptr;
  for (auto key : path) {
    if (!node) return nullptr;
    found = node->if_contains(key);
    if (!found) return nullptr;
    node = found->if_object();
  }
  return found;
}

const json::value* at(const json::value& v, JsonPath path) {
  if (path.size() == 0) return &v;
  const auto* o = v.if_object();
  return o ? at(*o, path) : nullptr;
}

std::string text_at(const json::object& o, JsonPath path) {
  const auto* node = at(o, path);
  return node && node->is_string() ? std::string(node->get_string()) : std::string();
}

std::string text_at(const json::value& v, JsonPath path) {
  const auto* node = at(v, path);
  return node && node->is_string() ? std::string(node->get_string()) : std::string();
}

std::optional<std::int64_t> number_at(const json::value& v, JsonPath path) {
  const auto* node = at(v, path);
  if (!node) return std::nullopt;
  if (node->is_int64()) return node->get_int64();
  if (node->is_uint64()) return static_cast<std::int64_t>(node->get_uint64());
  return std::nullopt;
}

}  // namespace goaround::model
