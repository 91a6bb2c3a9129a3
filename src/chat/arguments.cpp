#include "goaround/chat/arguments.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace goaround::chat {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct Token {
  std::string_view word;
  std::size_t begin = 0, end = 0;
};

std::vector<Token> tokens_of(std::string_view text) {
  std::vector<Token> out;
  for (std::size_t i = 0; i < text.size();) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    const auto begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    out.push_back({text.substr(begin, i - begin), begin, i});
  }
  return out;
}

// Opening quote → closing quote, as UTF-8 (chat clients substitute curly quotes, and some
// mirror them).
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> quote_pairs{{
    {"\"", "\""}, {"'", "'"}, {"\u201C", "\u201D"}, {"\u201D", "\u201D"}, {"\u2018", "\u2019"}}};

struct Grouped {
  std::string value;
  std::size_t end = 0;  // just past the closing quote
  bool closed = true;
};

// A flag value starting at `at`: a quoted run ends at a closing quote followed by whitespace or
// the end (so "it's" inside 'it's late' does not close it); an unquoted value is one word.
Grouped group_value(std::string_view text, std::size_t at, std::size_t word_end) {
  const auto rest = text.substr(at);
  for (const auto& [open, close] : quote_pairs) {
    if (!rest.starts_with(open)) continue;
    for (auto pos = text.find(close, at + open.size()); pos != std::string_view::npos;
         pos = text.find(close, pos + 1)) {
      const auto after = pos + close.size();
      if (after == text.size() || is_space(text[after]))
        return {std::string(text.substr(at + open.size(), pos - at - open.size())), after, true};
    }
    return {{}, 0, false};
  }
  return {std::string(text.substr(at, word_end - at)), word_end, true};
}

// Both forms share the option rules; `source` is the typed text, or empty for argv words (no
// quote grouping there: the shell already did it).
ParsedArguments parse(const std::vector<Token>& tokens, std::string_view source,
                      const std::vector<FlagSpec>& flags) {
  ParsedArguments out;
  auto& args = out.arguments;
  args.text = source;
  bool options_ended = false, detached = false;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto word = tokens[i].word;
    if (options_ended || !word.starts_with("--")) {
      args.positional.emplace_back(word);
      if (!source.empty()) args.spans.push_back({tokens[i].begin, tokens[i].end, detached});
      detached = false;
      continue;
    }
    detached = !args.positional.empty();
    if (word == "--") {
      options_ended = true;
      continue;
    }
    auto name = std::string(word.substr(2));
    std::optional<std::size_t> value_at;  // offset of the value: in the token, or the next one
    std::string inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      value_at = tokens[i].begin + 2 + eq + 1;
      name.resize(eq);
    }
    const auto spec = std::find_if(flags.begin(), flags.end(),
                                   [&](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end()) {
      out.error = "unknown option --" + name + " (to write it as text, put -- before it)";
      return out;
    }
    if (args.has(name)) {
      out.error = "--" + name + " is given twice";
      return out;
    }
    if (!spec->takes_value) {
      if (value_at) {
        out.error = "--" + name + " takes no value";
        return out;
      }
      args.flags.emplace(name, "");
      continue;
    }
    std::size_t value_token = i;
    if (!value_at) {
      if (i + 1 >= tokens.size() || tokens[i + 1].word.starts_with("--")) {
        out.error = "--" + name + " needs a value";
        return out;
      }
      value_token = i + 1;
      value_at = tokens[value_token].begin;
      inline_value = tokens[value_token].word;
    }
    if (source.empty()) {
      args.flags.emplace(name, std::move(inline_value));
      i = value_token;
      continue;
    }
    auto grouped = group_value(source, *value_at, tokens[value_token].end);
    if (!grouped.closed) {
      out.error = "the quote after --" + name + " is not closed";
      return out;
    }
    args.flags.emplace(name, std::move(grouped.value));
    i = value_token;
    while (i + 1 < tokens.size() && tokens[i + 1].begin < grouped.end) ++i;
  }
  return out;
}

}  // namespace

std::optional<std::string> Arguments::value(std::string_view flag) const {
  const auto it = flags.find(flag);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

std::string Arguments::rest(std::size_t from) const {
  std::string out;
  for (std::size_t i = from; i < positional.size(); ++i) {
    if (spans.empty()) {
      out += (i == from ? "" : " ") + positional[i];
    } else if (i == from) {
      out = text.substr(spans[i].begin, spans[i].end - spans[i].begin);
    } else if (spans[i].detached) {
      out += ' ';
      out += text.substr(spans[i].begin, spans[i].end - spans[i].begin);
    } else {
      out += text.substr(spans[i - 1].end, spans[i].end - spans[i - 1].end);
    }
  }
  return out;
}

void Arguments::erase(std::size_t index) {
  if (index >= positional.size()) return;
  positional.erase(positional.begin() + static_cast<std::ptrdiff_t>(index));
  if (spans.empty()) return;
  spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(index));
  if (index < spans.size()) spans[index].detached = true;
}

ParsedArguments parse_arguments(const std::vector<std::string>& words,
                                const std::vector<FlagSpec>& flags) {
  std::vector<Token> tokens;
  tokens.reserve(words.size());
  for (const auto& w : words) tokens.push_back({w, 0, 0});
  return parse(tokens, {}, flags);
}

ParsedArguments parse_text(std::string_view text, const std::vector<FlagSpec>& flags) {
  return parse(tokens_of(text), text, flags);
}

std::optional<std::int64_t> typed_number(std::string_view word) {
  if (word.starts_with('#')) word.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (word.empty() || ec != std::errc{} || end != word.data() + word.size()) return std::nullopt;
  return value;
}

Head first_word(std::string_view text) {
  const auto tokens = tokens_of(text);
  if (tokens.empty()) return {};
  return {std::string(tokens.front().word), text.substr(tokens.front().end)};
}

}  // namespace goaround::chat
