#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

// Reading what tools and chat systems send: a value down a path of object keys, tolerant of
// anything missing or of another type (keys are taken as they are, so "kubernetes.io/x" needs
// no JSON-pointer escaping).
namespace goaround::model {

using JsonPath = std::initializer_list<std::string_view>;

const boost::json::value* at(const boost::json::value& v, JsonPath path);
const boost::json::value* at(const boost::json::object& o, JsonPath path);
// The string there, or "".
std::string text_at(const boost::json::value& v, JsonPath path);
std::string text_at(const boost::json::object& o, JsonPath path);
// The integer there.
std::optional<std::int64_t> number_at(const boost::json::value& v, JsonPath path);

}  // namespace goaround::model
