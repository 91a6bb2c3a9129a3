// /rollback reject <service> <revision> [reason]: rules a revision out, as a go-around does for
// the one it rolls back from: CI's registration of it answers 409 and a card going back to it
// warns, until someone accepts it.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> reject(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() < 2) {
    call.usage_error(words.empty() ? "reject which service's revision?" : "reject which revision of " + words.front() + "?",
                     "reject");
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  if (auto refusal = co_await call.engine.reject(call.request, service->name, words[1], call.arguments.rest(2)))
    call.reply(*refusal);
}

}  // namespace

void register_reject(core::Registry& registry) {
  registry.add({"reject",
                "/rollback reject <service> <revision> [reason]",
                "Rule a revision (number, image or tag) out: registering it again is refused (409) and a "
                "card going back to it warns. A go-around does this for the revision it leaves.",
                {},
                reject,
                core::Names::service});
}

}  // namespace goaround::commands
