#pragma once
#include <optional>
#include <string_view>

namespace goaround::resources {

// The text of a file compiled into the binary (templates/*, deploy/goaround.default.yaml),
// by its path relative to the repository root; nullopt when no such file was embedded.
std::optional<std::string_view> embedded_file(std::string_view path);

}  // namespace goaround::resources
