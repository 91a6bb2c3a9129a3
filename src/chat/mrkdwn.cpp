#include "goaround/chat/mrkdwn.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace goaround::chat {

std::string from_mrkdwn(std::string_view mrkdwn, Rendering to) {
  static const std::pair<std::string_view, std::string_view> emoji[] = {
      {":ice_cube:", "🧊"}, {":rotating_light:", "🚨"}, {":warning:", "⚠️"}, {":white_check_mark:", "✅"}};
  std::string out;
  out.reserve(mrkdwn.size());
  for (std::size_t i = 0; i < mrkdwn.size();) {
    const auto rest = mrkdwn.substr(i);
    const auto code = std::find_if(std::begin(emoji), std::end(emoji), [&](const auto& e) { return rest.starts_with(e.first); });
    if (code != std::end(emoji)) {
      out += code->second;
      i += code->first.size();
      continue;
    }
    // <@U123>, <@U123|name>, <@console:operator> → @name; <https://x|label> → label (https://x)
    // or [label](https://x).
    if (rest.starts_with("<") && rest.find('>') != std::string_view::npos && rest.find('\n') > rest.find('>')) {
      const auto inner = rest.substr(1, rest.find('>') - 1);
      const auto bar = inner.find('|');
      if (inner.starts_with("@")) {
        const auto name = bar != std::string_view::npos ? inner.substr(bar + 1) : inner.substr(inner.rfind(':') == std::string_view::npos ? 1 : inner.rfind(':') + 1);
        out += "@";
        out += name;
        i += inner.size() + 2;
        continue;
      }
      if (inner.starts_with("http") && bar != std::string_view::npos) {
        const auto label = std::string(inner.substr(bar + 1)), url = std::string(inner.substr(0, bar));
        out += to == Rendering::markdown ? "[" + label + "](" + url + ")" : label + " (" + url + ")";
        i += inner.size() + 2;
        continue;
      }
    }
    // *bold* → bold (or **bold**): a pair of asterisks around text on one line, the opening one not followed
    // by a space (so "5 * 3" and a lone star stay).
    if (rest[0] == '*' && rest.size() > 2 && rest[1] != ' ' && rest[1] != '*') {
      const auto close = rest.find('*', 1);
      if (close != std::string_view::npos && rest.substr(1, close - 1).find('\n') == std::string_view::npos &&
          rest[close - 1] != ' ') {
        const auto bold = rest.substr(1, close - 1);
        if (to == Rendering::markdown) out += "**" + std::string(bold) + "**";
        else out += bold;
        i += close + 1;
        continue;
      }
    }
    out += rest[0];
    ++i;
  }
  return out;
}

}  // namespace goaround::chat
