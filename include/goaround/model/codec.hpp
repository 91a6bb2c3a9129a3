#pragma once
#include <boost/describe/enum_from_string.hpp>
#include <boost/describe/enum_to_string.hpp>
#include <boost/describe/members.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/mp11/algorithm.hpp>

#include <optional>
#include <type_traits>
#include <vector>

// JSON for the structs described with Boost.Describe (timeline payloads, button values).
// Boost.JSON 1.81 converts described structs itself, but only when every member is present and
// never a std::optional; timeline rows written by earlier versions lack later fields, so this
// walks Describe's member list the same way and reads leniently: a missing or null member
// keeps its default and unknown keys are ignored. Written by hand for that reason only.
namespace goaround::model {

namespace codec_detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
using members = boost::describe::describe_members<T, boost::describe::mod_public>;
}  // namespace codec_detail

template <class T> boost::json::value encode_value(const T& value);
template <class T> bool decode_value(const boost::json::value& json, T& out);

// Every described member under its own name; an empty optional is null.
template <class T> boost::json::object encode(const T& value) {
  boost::json::object out;
  boost::mp11::mp_for_each<codec_detail::members<T>>(
      [&](auto member) { out[member.name] = encode_value(value.*member.pointer); });
  return out;
}

// The members found in `json`; the others keep their defaults.
template <class T> T decode(const boost::json::object& json) {
  T out{};
  boost::mp11::mp_for_each<codec_detail::members<T>>([&](auto member) {
    if (const auto* found = json.if_contains(member.name); found && !found->is_null())
      decode_value(*found, out.*member.pointer);
  });
  return out;
}

template <class T> boost::json::value encode_value(const T& value) {
  if constexpr (codec_detail::is_optional<T>::value) {
    return value ? encode_value(*value) : boost::json::value(nullptr);
  } else if constexpr (codec_detail::is_vector<T>::value) {
    boost::json::array out;
    for (const auto& item : value) out.push_back(encode_value(item));
    return out;
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    return encode(value);
  } else if constexpr (std::is_enum_v<T>) {
    return boost::json::string(boost::describe::enum_to_string(value, ""));
  } else {
    return boost::json::value_from(value);
  }
}

template <class T> bool decode_value(const boost::json::value& json, T& out) {
  if constexpr (codec_detail::is_optional<T>::value) {
    typename T::value_type inner{};
    if (!decode_value(json, inner)) return false;
    out = std::move(inner);
    return true;
  } else if constexpr (codec_detail::is_vector<T>::value) {
    const auto* items = json.if_array();
    if (!items) return false;
    out.clear();
    for (const auto& item : *items) {
      typename T::value_type inner{};
      if (decode_value(item, inner)) out.push_back(std::move(inner));
    }
    return true;
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    if (!json.is_object()) return false;
    out = decode<T>(json.get_object());
    return true;
  } else if constexpr (std::is_enum_v<T>) {
    return json.is_string() && boost::describe::enum_from_string(json.get_string().c_str(), out);
  } else if constexpr (std::is_same_v<T, bool>) {
    // Early revision rows wrote flags as SQLite integers.
    if (json.is_bool()) out = json.get_bool();
    else if (json.is_int64()) out = json.get_int64() != 0;
    else return false;
    return true;
  } else {
    auto converted = boost::json::try_value_to<T>(json);
    if (!converted) return false;
    out = std::move(*converted);
    return true;
  }
}

}  // namespace goaround::model
