// The house as built: the rooms keep to their own business, checked on the source itself so
// a shortcut shows up as a failing test rather than in review.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

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
