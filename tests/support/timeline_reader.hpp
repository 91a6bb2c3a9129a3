#pragma once
#include <string_view>
#include <vector>

#include "goaround/store/store.hpp"

namespace goaround::testing {

// Reads back what `goaround timeline export` writes, the way a tool consuming it would; both
// throw std::invalid_argument on malformed input.
std::vector<model::Event> parse_timeline_json(std::string_view text);
std::vector<model::Event> parse_timeline_csv(std::string_view text);

}  // namespace goaround::testing
