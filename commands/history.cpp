// /rollback history <service> [--all]: the revisions a go-around could return to, newest first, with
// image, age and change-cause, and which ones earlier go-arounds rolled back from, verified
// healthy or failed to reach, so that `--to` is an informed choice.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> history(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.usage_error("the history of which service?", "history");
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  call.reply("history", co_await call.engine.history(service->name, call.arguments.has("all")));
}

}  // namespace

void register_history(core::Registry& registry) {
  registry.add({"history",
                "/rollback history <service> [--all]",
                "The service's revisions (image, age where the tool records it, change-cause) and what earlier go-arounds did "
                "with each: rolled back from, verified healthy, failed. Pick the target for --to.",
                {{"all", false, "every revision the tool keeps, not only the newest ten"}},
                history,
                core::Names::service});
}

}  // namespace goaround::commands
