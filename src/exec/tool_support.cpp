#include "goaround/exec/tool_support.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>

namespace goaround::exec::tool {
namespace json = boost::json;

std::map<std::string, std::string> environment(const config::Tools& tools,
                                               std::map<std::string, std::string> extra) {
  if (!tools.kubeconfig.empty()) extra.emplace("KUBECONFIG", tools.kubeconfig);
  return extra;
}

std::string whole_seconds(std::chrono::milliseconds duration) {
  return std::to_string(std::max<long long>(1, (duration.count() + 999) / 1000));
}

std::string go_seconds(std::chrono::milliseconds duration) { return whole_seconds(duration) + "s"; }

std::optional<json::value> parse_json(const std::string& text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

const json::value* at(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* node = &v;
  for (auto key : path) {
    const auto* obj = node->if_object();
    if (!obj) return nullptr;
    node = obj->if_contains(key);
    if (!node) return nullptr;
  }
  return node;
}

std::string text_at(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* node = at(v, path);
  return node && node->is_string() ? std::string(node->get_string()) : std::string();
}

std::optional<std::int64_t> number_at(const json::value& v,
                                      std::initializer_list<std::string_view> path) {
  const auto* node = at(v, path);
  if (!node) return std::nullopt;
  if (node->is_int64()) return node->get_int64();
  if (node->is_uint64()) return static_cast<std::int64_t>(node->get_uint64());
  return std::nullopt;
}

std::optional<int> to_int(std::string_view text) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto newline = text.rfind('\n', end);
  const auto start = newline == std::string::npos ? 0 : newline + 1;
  return text.substr(start, end - start + 1);
}

std::string error_line(const ProcessResult& result) {
  auto line = last_line(result.err.empty() ? result.out : result.err);
  constexpr std::string_view prefix = "Error: ";
  if (line.starts_with(prefix)) line.erase(0, prefix.size());
  return line;
}

Failure classify(const ProcessResult& result, FailureTexts texts) {
  switch (result.error) {
    case ProcessError::none: return Failure::none;
    case ProcessError::not_found:
    case ProcessError::spawn_failed: return Failure::tool_missing;
    case ProcessError::timed_out: return Failure::timeout;
    case ProcessError::exit_nonzero: break;
  }
  for (const auto& [text, failure] : texts)
    if (result.err.find(text) != std::string::npos || result.out.find(text) != std::string::npos)
      return failure;
  return Failure::tool_failed;
}

namespace {
// The runner's message says what happened when the tool itself could not say it.
std::string message_of(const ProcessResult& result, std::string said) {
  return result.error == ProcessError::exit_nonzero && !said.empty() ? std::move(said)
                                                                     : result.message;
}
}  // namespace

Outcome failed(const ProcessResult& result, Failure failure, std::string said, std::string tail) {
  Outcome outcome;
  outcome.failure = failure;
  outcome.exit_code = result.exit_code;
  outcome.message = message_of(result, std::move(said));
  outcome.output_tail = std::move(tail);
  return outcome;
}

std::string unusable(const ProcessResult& result, std::string said, std::string_view tool_name) {
  if (result.ok()) return std::string(tool_name) + " printed something that is not JSON";
  return message_of(result, std::move(said));
}

}  // namespace goaround::exec::tool
