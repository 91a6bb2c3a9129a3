#pragma once
#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace kainjow::mustache {
template <typename string_type>
class basic_mustache;
}

namespace goaround::chat {

// The message texts in templates/*.mustache, compiled into the binary and parsed once.
// Values are inserted as given by default; a transport passes its own escaping
// (Slack's &, <, >) so that user text cannot turn into markup.
class Templates {
 public:
  using Escape = std::function<std::string(const std::string&)>;
  // `overrides`: a folder whose <name>.mustache files replace the built-in ones (so an
  // organisation can change its debrief without rebuilding); empty for none.
  explicit Templates(std::filesystem::path overrides = {}, Escape escape = {});
  ~Templates();
  Templates(const Templates&) = delete;
  Templates& operator=(const Templates&) = delete;

  // Renders templates/<name>.mustache with a JSON context. Lines that render blank are
  // dropped (sections on lines of their own); lines empty in the template are kept.
  // Throws std::out_of_range for a name that has no template (a programming error).
  // Times people read are "14:05:09 UTC" (with the date when it is not today's): every stored
  // timestamp in a context is shown so, except in the Markdown documents (<name>.md), which
  // keep ISO with milliseconds. `now` says what today is; without one the date is always shown.
  std::string render(std::string_view name, const boost::json::value& context) const;
  void tell_time(std::function<std::chrono::system_clock::time_point()> now) { now_ = std::move(now); }

 private:
  using Compiled = kainjow::mustache::basic_mustache<std::string>;
  std::filesystem::path overrides_;
  mutable std::map<std::string, std::unique_ptr<Compiled>, std::less<>> cache_;
  Escape escape_;
  std::function<std::chrono::system_clock::time_point()> now_;
};

// Text made safe for one cell of a Markdown table: pipes escaped, line breaks as <br>.
std::string markdown_cell(std::string_view text);

}  // namespace goaround::chat
