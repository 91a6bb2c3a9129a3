#pragma once
#include <string>

namespace goaround::app {

// Sets up the default spdlog logger on stderr. The level is the first of: `level`
// (--log-level), SPDLOG_LEVEL from the environment, `config_level`. Format "json" writes
// one JSON object per line with the message escaped.
void setup_logging(const std::string& level, const std::string& config_level,
                   const std::string& format);

}  // namespace goaround::app
