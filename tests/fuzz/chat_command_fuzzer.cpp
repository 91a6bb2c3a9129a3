// The chat command parser and every command behind it: any text typed after /rollback, by the
// local operator, goes through the real registry against simulated services.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_bot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goaround;
  static fuzzing::FuzzBot* fuzz = new fuzzing::FuzzBot();  // one store across inputs, as a bot has
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)chat::parse_text(text, {{"to", true, ""}, {"reason", true, ""}, {"yes", false, ""}});
  const core::Request request{{"U0FUZZ", "fuzz", {}, false}, {"C0FUZZ", "", "", ""}};
  fuzz->run(fuzz->registry.dispatch(fuzz->engine, request, std::move(text)));
  return 0;
}
