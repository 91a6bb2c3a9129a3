#include <catch2/catch.hpp>

#include "goaround/chat/arguments.hpp"

using namespace goaround::chat;
using Catch::Matchers::Contains;

TEST_CASE("free text is kept exactly as typed: apostrophes, quotes and spacing") {
  const std::vector<FlagSpec> flags{{"incident", true, ""}};
  const auto rest = [&](std::string_view text) {
    const auto parsed = parse_text(text, flags);
    REQUIRE(parsed.error.empty());
    return parsed.arguments.rest();
  };
  CHECK(rest("don't roll back yet") == "don't roll back yet");
  CHECK(rest("it's fine, we're ok") == "it's fine, we're ok");
  CHECK(rest("\u201Ccurly\u201D and \u2018single\u2019 stay") == "\u201Ccurly\u201D and \u2018single\u2019 stay");
  CHECK(rest("  'error rate'   \"is 4%\"  ") == "'error rate'   \"is 4%\"");
  CHECK(rest(R"(say \"stop\" a\ b)") == R"(say \"stop\" a\ b)");
  CHECK(rest("an unclosed ' quote is text") == "an unclosed ' quote is text");
  CHECK(rest("").empty());
}

TEST_CASE("options may come before, inside or after the text, which keeps its own spacing") {
  const std::vector<FlagSpec> flags{{"to", true, ""}, {"yes", false, ""}};
  auto parsed = parse_text("payments --to 15 db  pool exhaustion", flags);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.arguments.value("to") == "15");
  CHECK(parsed.arguments.positional.front() == "payments");
  CHECK(parsed.arguments.rest(1) == "db  pool exhaustion");
  parsed = parse_text("payments db pool --yes exhaustion", flags);
  REQUIRE(parsed.error.empty());
  CHECK(parsed.arguments.rest(1) == "db pool exhaustion");
  CHECK(parsed.arguments.has("yes"));
}

TEST_CASE("quotes group a flag value, in every quote style chat clients send") {
  const std::vector<FlagSpec> flags{{"reason", true, ""}, {"to", true, ""}};
  const auto reason = [&](std::string_view text) {
    const auto parsed = parse_text(text, flags);
    REQUIRE(parsed.error.empty());
    CHECK(parsed.arguments.positional == std::vector<std::string>{"checkout"});
    return *parsed.arguments.value("reason");
  };
  CHECK(reason("checkout --reason \"5xx after 1.42\"") == "5xx after 1.42");
  CHECK(reason("checkout --reason 'it's the db' --to 3") == "it's the db");
  CHECK(reason("checkout --reason \u201Cdb pool\u201D") == "db pool");
  CHECK(reason("checkout --reason=\"db pool\"") == "db pool");
  CHECK(reason("checkout --reason don't") == "don't");
  CHECK(parse_text("checkout --reason \"open", flags).error == "the quote after --reason is not closed");
}

TEST_CASE("an @owner taken out of an action leaves the words around it intact") {
  auto parsed = parse_text("add  pool alerts @bob by friday", {});
  REQUIRE(parsed.error.empty());
  parsed.arguments.erase(3);
  CHECK(parsed.arguments.rest() == "add  pool alerts by friday");
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

  CHECK(parse_arguments({"checkout", "--force"}, flags).error ==
        "unknown option --force (to write it as text, put -- before it)");
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

TEST_CASE("the first word is the subcommand, the rest is left as typed") {
  const auto head = first_word("  note   it's  late");
  CHECK(head.word == "note");
  CHECK(std::string(head.rest) == "   it's  late");
  CHECK(first_word("   ").word.empty());
}
