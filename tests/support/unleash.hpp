#pragma once
#include <optional>
#include <string>

namespace goaround::testing {

// The run's real Unleash (tests/support/unleash.sh, started by ctest's `unleash` fixture),
// driven through its admin API as a person or a pipeline would.
class Unleash {
 public:
  // Throws, saying how to start the server, when none runs.
  static Unleash shared();
  const std::string& url() const { return url_; }
  const std::string& token() const { return token_; }
  // A flag key no other test of the run uses (the server is shared): `name` and a suffix.
  static std::string fresh_key(const std::string& name);
  // A new flag with a fresh key (returned), on in `on_in` when given.
  std::string new_flag(const std::string& name, const std::optional<std::string>& on_in = std::nullopt) const;
  // A new flag in project `default` (201), on in `on_in` when given.
  void create_flag(const std::string& key, const std::optional<std::string>& on_in = std::nullopt) const;
  // The flag's state in an environment; nullopt when the flag or the environment is unknown.
  std::optional<bool> enabled(const std::string& key, const std::string& environment) const;
  // Who Unleash's audit log says last disabled the flag (the token's name), "" when nobody.
  std::string disabled_by(const std::string& key) const;

 private:
  Unleash(std::string url, std::string token);
  std::string url_;
  std::string token_;
  unsigned short port_ = 0;
};

}  // namespace goaround::testing
