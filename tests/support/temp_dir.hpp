#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace goaround::testing {

// A fresh directory under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "goaround-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file) << text;
    return file;
  }
  // goaround.yaml whose data_dir is var/ in this folder, followed by `rest` (from its own line).
  std::filesystem::path write_config(const std::string& rest) const {
    return write("goaround.yaml", "data_dir: " + (path_ / "var").string() + rest);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace goaround::testing
