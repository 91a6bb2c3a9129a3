#include "goaround/chat/arguments.hpp"

#include <algorithm>
#include <utility>

namespace goaround::chat {

Words split_words(std::string_view text) {
  Words out;
  std::string word;
  bool in_word = false;
  // The closing quote expected, as UTF-8; empty outside quotes.
  std::string_view closing;
  static constexpr std::string_view left_curly = "\u201C", right_curly = "\u201D",
                                    left_single = "\u2018", right_single = "\u2019";
  for (std::size_t i = 0; i < text.size();) {
    const auto rest = text.substr(i);
    if (!closing.empty()) {
      if (rest.starts_with(closing)) {
        i += closing.size();
        closing = {};
      } else if (rest[0] == '\\' && closing == "\"" && rest.size() > 1) {
        word += rest[1];
        i += 2;
      } else {
        word += rest[0];
        ++i;
      }
      continue;
    }
    if (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r') {
      if (in_word) out.words.push_back(std::exchange(word, {}));
      in_word = false;
      ++i;
    } else if (rest[0] == '"' || rest[0] == '\'') {
      closing = rest.substr(0, 1);
      in_word = true;
      ++i;
    } else if (rest.starts_with(left_curly) || rest.starts_with(right_curly)) {
      closing = right_curly;
      in_word = true;
      i += left_curly.size();
      if (rest.starts_with(right_curly)) closing = left_curly;  // some clients mirror them
    } else if (rest.starts_with(left_single)) {
      closing = right_single;
      in_word = true;
      i += left_single.size();
    } else if (rest[0] == '\\' && rest.size() > 1) {
      word += rest[1];
      in_word = true;
      i += 2;
    } else {
      word += rest[0];
      in_word = true;
      ++i;
    }
  }
  if (!closing.empty()) {
    out.error = "a quote is not closed";
    return out;
  }
  if (in_word) out.words.push_back(std::move(word));
  return out;
}

std::optional<std::string> Arguments::value(std::string_view flag) const {
  const auto it = flags.find(flag);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

std::string Arguments::rest(std::size_t from) const {
  std::string text;
  for (std::size_t i = from; i < positional.size(); ++i)
    text += (text.empty() ? "" : " ") + positional[i];
  return text;
}

ParsedArguments parse_arguments(const std::vector<std::string>& words,
                                const std::vector<FlagSpec>& flags) {
  ParsedArguments out;
  bool options_ended = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto& word = words[i];
    if (options_ended || !word.starts_with("--") || word.size() == 2) {
      if (word == "--" && !options_ended) options_ended = true;
      else out.arguments.positional.push_back(word);
      continue;
    }
    auto name = word.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto spec = std::find_if(flags.begin(), flags.end(),
                                   [&](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end()) {
      out.error = "unknown option --" + name;
      return out;
    }
    if (out.arguments.has(name)) {
      out.error = "--" + name + " is given twice";
      return out;
    }
    if (!spec->takes_value) {
      if (inline_value) {
        out.error = "--" + name + " takes no value";
        return out;
      }
      out.arguments.flags.emplace(name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= words.size() || words[i + 1].starts_with("--")) {
        out.error = "--" + name + " needs a value";
        return out;
      }
      inline_value = words[++i];
    }
    out.arguments.flags.emplace(name, *inline_value);
  }
  return out;
}

}  // namespace goaround::chat
