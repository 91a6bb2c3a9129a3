#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace goaround::chat {

// The rule people type by: words are split on whitespace; free text (a reason, a note, a
// status) is kept exactly as typed, apostrophes and quotes included; quotes only group the
// value of a --flag (--reason "db pool exhaustion"); "--" ends the options.

struct FlagSpec {
  std::string name;  // without dashes: "to" for --to
  bool takes_value = true;
  std::string help;
};

struct Arguments {
  // Where a positional word sits in the typed text, so free text can be given back verbatim.
  struct Span {
    std::size_t begin = 0, end = 0;
    bool detached = false;  // something was taken out before it: join with one space
  };
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> flags;  // a switch maps to ""
  std::string text;         // the typed text the spans point into; empty for argv
  std::vector<Span> spans;  // one per positional word when parsed from text

  bool has(std::string_view flag) const { return flags.find(flag) != flags.end(); }
  std::optional<std::string> value(std::string_view flag) const;
  // The positional words from `from` on: as typed when parsed from text, else joined by spaces.
  std::string rest(std::size_t from = 0) const;
  // Takes a positional word out (e.g. the @owner of an action) without disturbing the rest.
  void erase(std::size_t index);
};

struct ParsedArguments {
  Arguments arguments;
  std::string error;  // unknown option, missing value, repeated option, unclosed quote
};
// A command line already split into words (argv): --flag value, --flag=value and switches.
ParsedArguments parse_arguments(const std::vector<std::string>& words,
                                const std::vector<FlagSpec>& flags);
// Typed text, by the rule above.
ParsedArguments parse_text(std::string_view text, const std::vector<FlagSpec>& flags);

// A number people type for an incident or an entry: "12" or "#12"; nullopt for anything else.
std::optional<std::int64_t> typed_number(std::string_view word);

// The first whitespace-separated word of typed text and the text after it.
struct Head {
  std::string word;
  std::string_view rest;
};
Head first_word(std::string_view text);

}  // namespace goaround::chat
