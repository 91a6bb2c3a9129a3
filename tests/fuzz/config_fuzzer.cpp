// The YAML configuration: any file given to check-config or serve is parsed into a config or a
// list of problems with positions, never a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "goaround/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goaround;
  const auto parsed = config::parse(std::string_view(reinterpret_cast<const char*>(data), size),
                                    [](const std::string&) -> std::optional<std::string> { return "x"; });
  if (!parsed.config && parsed.problems.empty()) __builtin_trap();  // invalid means saying why
  return 0;
}
