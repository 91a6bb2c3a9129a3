#include <catch2/catch.hpp>

#include "goaround/chat/arguments.hpp"

using namespace goaround::chat;
using Catch::Matchers::Contains;

TEST_CASE("words split on spaces, group in quotes and honour escapes") {
  CHECK(split_words("checkout --to 41").words == std::vector<std::string>{"checkout", "--to", "41"});
  CHECK(split_words("  note   'error rate' \"is 4%\"  ").words ==
        std::vector<std::string>{"note", "error rate", "is 4%"});
  CHECK(split_words(R"(note "say \"stop\"" a\ b)").words ==
        std::vector<std::string>{"note", "say \"stop\"", "a b"});
  CHECK(split_words("note \u201Cerror rate up\u201D").words ==
        std::vector<std::string>{"note", "error rate up"});
  CHECK(split_words("note it\u2019s fine").words ==
        std::vector<std::string>{"note", "it\u2019s", "fine"});
  CHECK(split_words("").words.empty());
  CHECK(split_words("a ''").words == std::vector<std::string>{"a", ""});
}

TEST_CASE("an unclosed quote is an error, not a guess") {
  CHECK(split_words("note \"error rate").error == "a quote is not closed");
  CHECK(split_words("note 'x").error == "a quote is not closed");
}

TEST_CASE("options take values in either form — unknown, repeated or valueless ones are errors") {
  const std::vector<FlagSpec> flags{{"to", true, ""}, {"reason", true, ""}, {"yes", false, ""}};
  auto parsed = parse_arguments({"checkout", "--to", "41", "--reason=5xx spike", "--yes"}, flags);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.arguments.positional == std::vector<std::string>{"checkout"});
  CHECK(parsed.arguments.value("to") == "41");
  CHECK(parsed.arguments.value("reason") == "5xx spike");
  CHECK(parsed.arguments.has("yes"));
  CHECK_FALSE(parsed.arguments.has("nope"));

  CHECK(parse_arguments({"checkout", "--force"}, flags).error == "unknown option --force");
  CHECK(parse_arguments({"checkout", "--to"}, flags).error == "--to needs a value");
  CHECK(parse_arguments({"--to", "--yes"}, flags).error == "--to needs a value");
  CHECK(parse_arguments({"--to", "1", "--to", "2"}, flags).error == "--to is given twice");
  CHECK(parse_arguments({"--yes=no"}, flags).error == "--yes takes no value");
}

TEST_CASE("a double dash ends the options, so a note can start with dashes") {
  const auto parsed = parse_arguments({"--", "--to", "is not an option"}, {{"to", true, ""}});
  REQUIRE(parsed.error.empty());
  CHECK(parsed.arguments.rest() == "--to is not an option");
}
