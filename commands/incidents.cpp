// /rollback incidents [--limit N]: the recent incidents, open and closed, with how long each was
// open, its go-arounds and how long until one was verified.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

constexpr std::int64_t default_limit = 10;
constexpr std::int64_t most = 50;

boost::asio::awaitable<void> incidents(core::Invocation& call) {
  if (!call.arguments.positional.empty()) {
    call.usage_error("incidents takes no words; use --limit N for more or fewer", "incidents");
    co_return;
  }
  auto limit = std::optional<std::int64_t>(default_limit);
  if (const auto typed = call.arguments.value("limit")) limit = chat::typed_number(*typed);
  if (!limit || *limit < 1 || *limit > most) {
    call.usage_error("--limit takes a number from 1 to " + std::to_string(most), "incidents");
    co_return;
  }
  call.reply("incidents", call.engine.incidents(static_cast<int>(*limit)));
  co_return;
}

}  // namespace

void register_incidents(core::Registry& registry) {
  registry.add({"incidents",
                "/rollback incidents [--limit N]",
                "The recent incidents, newest first: state, how long open, go-arounds and their "
                "outcomes, and how long until one was verified.",
                {{"limit", true, "how many (default 10, at most 50)"}},
                incidents});
}

}  // namespace goaround::commands
