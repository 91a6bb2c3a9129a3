#pragma once
#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

// What a button carries back: "action:field:field", one described struct per kind of button,
// written and read by the same two functions, so no handler splits values by hand.
namespace goaround::model {

namespace buttons {

struct Execution {  // goaround.confirm, goaround.cancel
  std::int64_t execution = 0;
};
BOOST_DESCRIBE_STRUCT(Execution, (), (execution))

struct Incident {  // goaround.go, goaround.hold
  std::int64_t incident = 0;
};
BOOST_DESCRIBE_STRUCT(Incident, (), (incident))

struct TriggerReview {  // review.trigger: right | wrong
  std::int64_t incident = 0;
  std::string answer;
};
BOOST_DESCRIBE_STRUCT(TriggerReview, (), (incident, answer))

struct Snooze {  // status.snooze
  std::int64_t incident = 0;
  int minutes = 0;
};
BOOST_DESCRIBE_STRUCT(Snooze, (), (incident, minutes))

struct CloseAnyway {  // goaround.close: closing although the last go-around failed
  std::int64_t incident = 0;
  std::string summary;  // what was typed with /rollback close, kept word for word
};
BOOST_DESCRIBE_STRUCT(CloseAnyway, (), (incident, summary))

struct Decision {  // goaround.decide: the answers so far, "question=answer,…"
  std::int64_t incident = 0;
  std::string path;
  std::string walk;  // one walk of the tree: its questions are answered once each
};
BOOST_DESCRIBE_STRUCT(Decision, (), (incident, path, walk))

struct Service {  // goaround.drill: run the service's drill (a reminder, a failed drill)
  std::string service;
};
BOOST_DESCRIBE_STRUCT(Service, (), (service))

struct FlagOff {  // goaround.flag-off: turn the deploy's flag off instead of rolling back
  std::int64_t incident = 0;
  std::string flag;
};
BOOST_DESCRIBE_STRUCT(FlagOff, (), (incident, flag))

struct Brief {  // goaround.brief: the form's service
  std::string service;
};
BOOST_DESCRIBE_STRUCT(Brief, (), (service))

}  // namespace buttons

template <class T>
std::string button(std::string_view action, const T& value) {
  std::string out(action);
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto member) {
    const auto& field = value.*member.pointer;
    out += ':';
    if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(field)>>) out += std::to_string(field);
    else out += field;
  });
  return out;
}

// The fields of a button's value (what follows the action's ':'), in order, the last taking
// the rest; nullopt when one is missing or not of its type.
template <class T>
std::optional<T> parse_button(std::string_view value) {
  using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
  constexpr auto count = boost::mp11::mp_size<Members>::value;
  T out{};
  bool ok = true;
  std::size_t index = 0;
  boost::mp11::mp_for_each<Members>([&](auto member) {
    if (!ok) return;
    const bool last = ++index == count;
    const auto colon = last ? std::string_view::npos : value.find(':');
    if (!last && colon == std::string_view::npos) {
      ok = false;
      return;
    }
    const auto text = value.substr(0, colon);
    value = last ? std::string_view() : value.substr(colon + 1);
    auto& field = out.*member.pointer;
    if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(field)>>) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), field);
      ok = ec == std::errc{} && end == text.data() + text.size();
    } else {
      field = std::string(text);
    }
  });
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace goaround::model
