// /rollback <service> [--to REV] [--reason TEXT]: the go-around, and its card's buttons.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"

namespace goaround::commands {
namespace asio = boost::asio;

namespace {

std::optional<std::int64_t> execution_id(const std::string& value) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
  if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return id;
}

asio::awaitable<void> go_around(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.empty()) {
    call.reply("usage_error", {{"problem", "which service?"},
                               {"usage", call.bot.registry.find("")->usage}});
    co_return;
  }
  // Words after the service are the reason, so "/rollback checkout 5xx spike" reads naturally.
  auto reason = call.arguments.value("reason").value_or(call.arguments.rest(1));
  auto proposal = co_await call.bot.go_around.propose(call.request, words.front(),
                                                      call.arguments.value("to"), reason);
  if (proposal.refusal) call.reply(*proposal.refusal);
}

asio::awaitable<void> confirm(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto id = execution_id(value);
  if (!id) {
    call.reply("not_waiting", {{"execution", value}, {"state", "unknown"}});
    co_return;
  }
  if (auto refusal = call.bot.go_around.start(call.request, *id)) {
    call.reply(*refusal);
    co_return;
  }
  // The button's answer does not wait for the rollback; it reports into the incident.
  asio::co_spawn(call.bot.executor, call.bot.go_around.run(*id), asio::detached);
}

asio::awaitable<void> cancel(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto id = execution_id(value);
  if (!id) {
    call.reply("not_waiting", {{"execution", value}, {"state", "unknown"}});
    co_return;
  }
  if (auto refusal = call.bot.go_around.cancel(call.request, *id)) call.reply(*refusal);
}

}  // namespace

void register_rollback(core::Registry& registry) {
  registry.add({"",
                "/rollback <service> [--to REV] [--reason TEXT]",
                "Go around: show the card (current and target revision, the exact command, "
                "pre-flight checks) with Confirm and Cancel. Without --to, the previous revision.",
                {{"to", true, "target revision (default: the one before the live one)"},
                 {"reason", true, "why we are going around (also: words after the service)"}},
                go_around});
  registry.add_action("goaround.confirm", confirm);
  registry.add_action("goaround.cancel", cancel);
}

}  // namespace goaround::commands
