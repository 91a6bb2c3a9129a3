#pragma once
// What a shell command prints on stdout, without its trailing line end: for the tests' uses of
// real tools (git, curl, openssl, python3).
#include <cstdio>
#include <string>

namespace goaround::testing {

inline std::string capture(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace goaround::testing
