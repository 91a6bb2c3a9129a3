// The runway check before a rollback ("the registry that forgot"): the target's images must
// still be in their registries, or rolling back ends in ImagePullBackOff.
#include "goaround/core/go_around.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include "goaround/registry/registry.hpp"

namespace goaround::core {

boost::asio::awaitable<std::vector<exec::Check>> runway_checks(std::vector<std::string> images,
                                                               std::vector<config::Registry> registries) {
  std::vector<exec::Check> checks;
  if (registries.empty()) co_return checks;
  for (const auto& image : images) {
    exec::Check check{"target image in its registry", false, "", false};
    std::string why;
    const auto reference = registry::parse_reference(image, &why);
    if (!reference) {
      check.warning = true;
      check.detail = "`" + image + "` is not an image reference (" + why + "): not checked";
      checks.push_back(std::move(check));
      continue;
    }
    const auto listed = std::find_if(registries.begin(), registries.end(),
                                     [&](const config::Registry& r) { return boost::algorithm::iequals(r.host, reference->domain); });
    if (listed == registries.end()) {
      check.passed = true;
      check.detail = "not checked: " + reference->domain + " is not under registries:";
      checks.push_back(std::move(check));
      continue;
    }
    const auto found = co_await registry::find_manifest(
        *reference, {listed->host, listed->auth_file, listed->ca_file, listed->insecure});
    const auto shown = reference->shown();
    switch (found.state) {
      case registry::Found::State::present:
        check.passed = true;
        check.detail = shown + " is in " + reference->domain + (found.detail.empty() ? "" : " (" + found.detail.substr(0, 19) + "…)");
        break;
      case registry::Found::State::missing:
        check.detail = "image " + shown + " is gone from " + reference->domain +
                       ": rolling back would end in ImagePullBackOff";
        break;
      case registry::Found::State::unreachable:
      case registry::Found::State::refused:
        check.warning = true;
        check.detail = "could not check " + shown + ": " + found.detail + "; confirm only if you know it is there";
        break;
    }
    checks.push_back(std::move(check));
  }
  co_return checks;
}

}  // namespace goaround::core
