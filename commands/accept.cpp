// /rollback accept <service> <revision>: lets a rejected revision be registered and deployed again.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> accept(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 2) {
    call.usage_error("accept which service's revision?", "accept");
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  if (auto refusal = co_await call.engine.accept(call.request, service->name, words[1])) call.reply(*refusal);
}

}  // namespace

void register_accept(core::Registry& registry) {
  registry.add({"accept",
                "/rollback accept <service> <revision>",
                "Let a rejected revision (number, image or tag) be registered and deployed again.",
                {},
                accept,
                core::Names::service});
}

}  // namespace goaround::commands
