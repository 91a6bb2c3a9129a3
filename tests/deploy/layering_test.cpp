// The house as built: the rooms keep to their own business, checked on the source itself so
// a shortcut shows up as a failing test rather than in review.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> includes_of(const fs::path& file) {
  static const std::regex include(R"(#include\s+["<]([^">]+)[">])");
  const auto text = read_text(file);
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), include); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path());
  return out;
}

}  // namespace

TEST_CASE("commands parse, call the engine and answer: none includes the store, a transport or SQLite") {
  const fs::path root(GOAROUND_SOURCE_DIR);
  const auto commands = files_under(root / "commands");
  REQUIRE(commands.size() >= 13);
  for (const auto& file : commands) {
    INFO(file.filename().string());
    for (const auto& header : includes_of(file)) {
      INFO(header);
      CHECK_FALSE(header.starts_with("goaround/store/"));
      CHECK_FALSE(header.starts_with("goaround/slack/"));
      CHECK_FALSE(header.starts_with("goaround/console/"));
      CHECK_FALSE(header.starts_with("SQLiteCpp/"));
    }
    const auto text = read_text(file);
    CHECK(text.find("transport") == std::string::npos);
    CHECK(text.find(".store") == std::string::npos);
  }
}

TEST_CASE("SQL lives in the store: no other product code includes SQLite") {
  const fs::path root(GOAROUND_SOURCE_DIR);
  for (const auto* dir : {"src", "include", "commands"})
    for (const auto& file : files_under(root / dir)) {
      const auto relative = fs::relative(file, root).string();
      if (relative.starts_with("src/store/") || relative.starts_with("include/goaround/store/")) continue;
      INFO(relative);
      for (const auto& header : includes_of(file)) {
        CHECK_FALSE(header.starts_with("SQLiteCpp/"));
        CHECK(header != "sqlite3.h");
      }
    }
}

TEST_CASE("the modules include each other without a cycle, and the lower rooms know nothing of the engine") {
  const fs::path root(GOAROUND_SOURCE_DIR);
  // module → the modules its files include (src/<m>/, include/goaround/<m>/, commands/).
  std::map<std::string, std::set<std::string>> uses;
  const auto scan = [&](const fs::path& dir, const std::function<std::string(const fs::path&)>& module_of) {
    for (const auto& file : files_under(dir))
      for (const auto& header : includes_of(file))
        if (header.starts_with("goaround/")) {
          const auto used = header.substr(9, header.find('/', 9) - 9);
          if (used != module_of(file)) uses[module_of(file)].insert(used);
        }
  };
  scan(root / "src", [&](const fs::path& f) { return fs::relative(f, root / "src").begin()->string(); });
  scan(root / "include" / "goaround",
       [&](const fs::path& f) { return fs::relative(f, root / "include" / "goaround").begin()->string(); });
  scan(root / "commands", [](const fs::path&) { return std::string("commands"); });
  REQUIRE(uses.size() > 10);
  const auto reaches = [&](const std::string& from, const std::string& to) {
    std::vector<std::string> stack{from};
    std::set<std::string> seen;
    while (!stack.empty()) {
      const auto next = stack.back();
      stack.pop_back();
      for (const auto& used : uses[next]) {
        if (used == to) return true;
        if (seen.insert(used).second) stack.push_back(used);
      }
    }
    return false;
  };
  for (const auto& [module, used] : std::map(uses))
    for (const auto& other : used) {
      INFO(module << " includes " << other << ", which leads back to " << module);
      CHECK_FALSE(reaches(other, module));
    }
  for (const auto* lower : {"model", "store", "chat", "exec", "schedule", "console", "slack", "verify", "time", "config"}) {
    INFO(lower);
    CHECK_FALSE(reaches(lower, "core"));
  }
}
