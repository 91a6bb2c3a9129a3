// Every message the bot can say, rendered from fixed inputs (tests/golden/messages/<name>.json,
// <name>~<variant>.json for a second shape) and compared with the checked-in text: what the
// console prints and the Block Kit Slack receives. A wording change is a visible diff here.
// GOAROUND_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "goaround/chat/templates.hpp"
#include "goaround/console/console.hpp"
#include "goaround/slack/slack_transport.hpp"

using namespace goaround;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path templates_dir = fs::path(GOAROUND_SOURCE_DIR) / "templates";
const fs::path golden_dir = fs::path(GOAROUND_SOURCE_DIR) / "tests" / "golden" / "messages";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One value per line, keys in the order written, so a changed word is a changed line.
void pretty(const json::value& v, std::string& out, int depth) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    std::size_t i = 0;
    for (const auto& [key, value] : v.get_object()) {
      out += indent + "  " + json::serialize(json::string(key)) + ": ";
      pretty(value, out, depth + 1);
      out += ++i < v.get_object().size() ? ",\n" : "\n";
    }
    out += indent + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    std::size_t i = 0;
    for (const auto& item : v.get_array()) {
      out += indent + "  ";
      pretty(item, out, depth + 1);
      out += ++i < v.get_array().size() ? ",\n" : "\n";
    }
    out += indent + "]";
  } else {
    out += json::serialize(v);
  }
}

// What the bot says is a chat message; the command line's and the exports' texts are not.
bool is_chat_message(const std::string& name) {
  return !name.starts_with("cli_") && !name.starts_with("console_") && !name.ends_with(".md");
}

struct Case {
  std::string name;     // the template
  std::string variant;  // "" or what follows '~'
  fs::path file;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& entry : fs::directory_iterator(golden_dir)) {
    const auto file = entry.path().filename().string();
    if (!file.ends_with(".json") || file.ends_with(".slack.json")) continue;
    const auto stem = file.substr(0, file.size() - 5);
    const auto tilde = stem.find('~');
    out.push_back({stem.substr(0, tilde), tilde == std::string::npos ? "" : stem.substr(tilde + 1), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.file < b.file; });
  return out;
}

chat::Message message_of(const std::string& text, const json::object& input) {
  chat::Message message{text, {}};
  if (const auto* buttons = input.if_contains("buttons"))
    for (const auto& b : buttons->as_array()) {
      const auto style = b.at("style").as_string();
      message.buttons.push_back({std::string(b.at("label").as_string()), std::string(b.at("action").as_string()),
                                 style == "danger"    ? chat::ButtonStyle::danger
                                 : style == "primary" ? chat::ButtonStyle::primary
                                                      : chat::ButtonStyle::normal});
    }
  return message;
}

std::string as_console(const chat::Message& message) {
  std::ostringstream out;
  console::ConsoleTransport console(out);
  boost::asio::io_context io;
  boost::asio::co_spawn(io, console.post({"C0INCIDENTS", ""}, message), boost::asio::detached);
  io.run();
  return out.str();
}

// Compares with the expected file, or writes it when asked to.
void expect_golden(const fs::path& file, const std::string& actual) {
  INFO(fs::relative(file, GOAROUND_SOURCE_DIR).string());
  if (std::getenv("GOAROUND_UPDATE_GOLDEN")) {
    std::ofstream(file, std::ios::binary) << actual;
    WARN("rewrote " << file.filename().string());
    return;
  }
  REQUIRE(fs::exists(file));
  CHECK(read_text(file) == actual);
}

}  // namespace

TEST_CASE("every template has fixed inputs, and every input names a template") {
  std::set<std::string> templates, covered;
  for (const auto& entry : fs::directory_iterator(templates_dir))
    if (entry.path().extension() == ".mustache") templates.insert(entry.path().stem().string());
  for (const auto& c : cases()) {
    INFO(c.file.filename().string());
    CHECK(templates.contains(c.name));
    covered.insert(c.name);
  }
  for (const auto& name : templates) {
    INFO(name);
    CHECK(covered.contains(name));
  }
  CHECK(templates.size() > 50);
}

TEST_CASE("every message reads as the golden file says, on the console and in Slack") {
  const chat::Templates plain, for_slack({}, slack::escape);
  for (const auto& c : cases()) {
    const auto input = json::parse(read_text(c.file)).as_object();
    const auto& context = input.at("context");
    const auto base = golden_dir / (c.name + (c.variant.empty() ? "" : "~" + c.variant));
    INFO(c.file.filename().string());
    if (!is_chat_message(c.name)) {
      expect_golden(base.string() + ".txt", plain.render(c.name, context) + "\n");
      continue;
    }
    expect_golden(base.string() + ".console.txt", as_console(message_of(plain.render(c.name, context), input)));
    std::string blocks;
    pretty(slack::blocks(message_of(for_slack.render(c.name, context), input)), blocks, 0);
    expect_golden(base.string() + ".slack.json", blocks + "\n");
  }
}
