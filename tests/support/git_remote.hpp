#pragma once
// A GitOps repository for tests: a bare repository on the local filesystem (the remote, a
// file:// URL) and a person's clone that commits and pushes, with a storefront manifest history.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "support/capture.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

// A bare repository (the remote) and a person's clone of it that commits and pushes.
struct GitRemote {
  testing::TempDir dir;
  std::filesystem::path bare = dir.path() / "deploy.git", person = dir.path() / "person";

  GitRemote() {
    git("init -q --bare -b main " + bare.string());
    git("clone -q " + bare.string() + " " + person.string());
    commit("README.md", "The shop's manifests.\n", "start");
    commit("apps/storefront/deployment.yaml", manifest("v2.3.9"), "storefront v2.3.9");
    commit("apps/search/deployment.yaml", "image: shop/search:v1\n", "search v1");
    commit("apps/storefront/deployment.yaml", manifest("v2.4.0"), "storefront v2.4.0");
  }
  static std::string manifest(const std::string& tag) {
    return "kind: Deployment\nspec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n        - name: web\n"
           "          image: shop/storefront:" + tag + "\n";
  }
  std::string url() const { return "file://" + bare.string(); }
  static void git(const std::string& args) {
    const auto command = "git -c user.name=person -c user.email=person@example.com " + args + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  // Writes a file in the person's clone, commits and pushes it; returns the commit.
  std::string commit(const std::string& file, const std::string& text, const std::string& subject) {
    // Up to date first (on the first commit there is nothing to pull yet).
    std::system(("git -C " + person.string() + " pull -q --rebase >/dev/null 2>&1").c_str());
    std::filesystem::create_directories((person / file).parent_path());
    std::ofstream(person / file) << text;
    git("-C " + person.string() + " add -A");
    git("-C " + person.string() + " commit -q -m '" + subject + "'");
    git("-C " + person.string() + " push -q origin main");
    return head("main");
  }
  std::string head(const std::string& rev) const;
  std::string log(const std::string& format, const std::string& range = "main") const;
  std::string show(const std::string& rev_path) const;
};


inline std::string GitRemote::head(const std::string& rev) const { return capture("git -C " + bare.string() + " rev-parse " + rev); }
inline std::string GitRemote::log(const std::string& format, const std::string& range) const {
  return capture("git -C " + bare.string() + " log --format='" + format + "' " + range);
}
inline std::string GitRemote::show(const std::string& rev_path) const {
  return capture("git -C " + bare.string() + " show " + rev_path);
}

}  // namespace goaround::testing
