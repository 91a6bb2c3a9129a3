#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace goaround::chat {

// Splits a typed command into words the way a shell would: whitespace separates, single
// and double quotes (also the curly quotes chat clients substitute) group, backslash escapes.
struct Words {
  std::vector<std::string> words;
  std::string error;  // set for input that cannot be split, e.g. an unclosed quote
};
Words split_words(std::string_view text);

struct FlagSpec {
  std::string name;  // without dashes: "to" for --to
  bool takes_value = true;
  std::string help;
};

struct Arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> flags;  // a switch maps to ""
  bool has(std::string_view flag) const { return flags.find(flag) != flags.end(); }
  std::optional<std::string> value(std::string_view flag) const;
  // The positional words joined by single spaces (free text such as a note).
  std::string rest(std::size_t from = 0) const;
};

struct ParsedArguments {
  Arguments arguments;
  std::string error;  // unknown option, missing value, repeated option
};
// Accepts --flag value, --flag=value and switches; "--" ends the options.
ParsedArguments parse_arguments(const std::vector<std::string>& words,
                                const std::vector<FlagSpec>& flags);

}  // namespace goaround::chat
