// The deploy-registration body (POST /v1/deployments): any bytes CI or anyone with the token
// sends are answered with an outcome, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_bot.hpp"
#include "goaround/http/deployment_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goaround;
  static fuzzing::FuzzBot* fuzz = new fuzzing::FuzzBot();
  const auto registration = http::register_body(fuzz->engine, std::string_view(reinterpret_cast<const char*>(data), size));
  (void)registration;
  return 0;
}
