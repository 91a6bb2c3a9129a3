// The repository stands on its own: a clone in an empty folder builds and passes, so nothing in
// it may reach outside the checkout, and what people read names the practice, not our notes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every file of the source tree but git's, build output and installed node packages.
std::vector<fs::path> source_files() {
  std::vector<fs::path> out;
  const fs::path root(GOAROUND_SOURCE_DIR);
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.starts_with("build") || name == "node_modules" ||
                               name == "var" || name == ".cache")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path());
  }
  return out;
}

}  // namespace

TEST_CASE("nothing in the repository reads or points at the workspace outside the checkout") {
  // Spelled in pieces so this file does not match itself.
  const std::string outside = std::string("..") + "/shared";
  const std::vector<std::string> workspace_notes{std::string("shared") + "/slack", std::string("shared") + "/executors",
                                                 std::string("shared") + "/seeds", std::string("shared") + "/peers"};
  const auto files = source_files();
  REQUIRE(files.size() > 100);
  for (const auto& file : files) {
    const auto text = read_text(file);
    INFO(fs::relative(file, GOAROUND_SOURCE_DIR).string());
    CHECK(text.find(outside) == std::string::npos);
    for (const auto& note : workspace_notes) CHECK(text.find(note) == std::string::npos);
  }
}

TEST_CASE("what people read names the practice, never a seed number") {
  const fs::path root(GOAROUND_SOURCE_DIR);
  std::vector<fs::path> read_by_people{root / "README.md", root / "deploy" / "goaround.example.yaml"};
  for (const auto& dir : {"templates", "commands", "docs"})
    for (const auto& entry : fs::directory_iterator(root / dir)) read_by_people.push_back(entry.path());
  for (const auto& file : read_by_people) {
    auto text = read_text(file);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    INFO(file.string());
    for (const auto* number : {"seed 000", "seed 001", "seed 002", "seed 003", "seed's"})
      CHECK(text.find(number) == std::string::npos);
  }
}
