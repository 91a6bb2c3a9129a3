#include "goaround/exec/adapter.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "goaround/exec/sim_adapter.hpp"

namespace goaround::exec {

bool Plan::ready() const {
  return std::all_of(preflight.begin(), preflight.end(), [](const Check& c) { return c.passed; });
}

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::none: return "none";
    case Failure::not_found: return "not found";
    case Failure::forbidden: return "forbidden";
    case Failure::revision_missing: return "revision missing";
    case Failure::progress_deadline_exceeded: return "progress deadline exceeded";
    case Failure::timeout: return "timeout";
    case Failure::tool_missing: return "tool missing";
    case Failure::tool_failed: return "tool failed";
  }
  return "unknown";
}

Adapters::Adapters(boost::asio::any_io_executor executor, const config::Config& config) {
  for (const auto& service : config.services) {
    std::unique_ptr<Adapter> adapter;
    switch (service.adapter) {
      case config::AdapterKind::sim:
        adapter = std::make_unique<SimAdapter>(executor, service.name, service.sim);
        break;
      default:
        break;
    }
    if (adapter) adapters_.emplace(service.name, std::move(adapter));
    else
      unavailable_.emplace(service.name, "the " + std::string(config::to_string(service.adapter)) +
                                             " adapter is not part of this build yet");
  }
}

Adapters::~Adapters() = default;

Adapter* Adapters::find(const std::string& service) {
  const auto it = adapters_.find(service);
  return it == adapters_.end() ? nullptr : it->second.get();
}

std::string Adapters::unavailable_reason(const std::string& service) const {
  const auto it = unavailable_.find(service);
  return it == unavailable_.end() ? "no adapter is configured" : it->second;
}

}  // namespace goaround::exec

namespace goaround::exec {

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("_./=:,@%+-").find(c) != std::string_view::npos;
    });
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace goaround::exec
