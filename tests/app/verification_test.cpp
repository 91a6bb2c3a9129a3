#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/prometheus.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

namespace {

std::string config_with_checks(const testing::TempDir& dir, const std::string& prometheus,
                               const std::string& query, const std::string& health_path) {
  return dir
      .write("goaround.yaml",
             "data_dir: " + (dir.path() / "var").string() + "\nprometheus: { url: " + prometheus +
                 " }\n" + R"(services:
  - name: checkout
    environment: sim
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms }
    verify:
      health_url: )" + prometheus + health_path + R"(
      expect_status: 200
      query: ')" + query + R"('
      below: 0.05
)")
      .string();
}

}  // namespace

TEST_CASE("a go-around is verified by the health URL and the metric, not only the rollout") {
  testing::RealPrometheus prometheus;
  testing::TempDir dir;
  const auto ran = testing::run_goaround(
      {"rollback", "checkout", "--yes", "--config",
       config_with_checks(dir, prometheus.url(), "vector(0.004)", "/-/healthy")});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("rolled back to revision 41 and verified"));
  CHECK_THAT(ran.out, Contains("✓ health " + prometheus.url() + "/-/healthy: answered 200"));
  CHECK_THAT(ran.out, Contains("✓ metric below 0.05: `vector(0.004)` = 0.004"));
}

TEST_CASE("a rollback whose metric stays high is reported as rolled back but not verified") {
  testing::RealPrometheus prometheus;
  testing::TempDir dir;
  const auto ran = testing::run_goaround(
      {"rollback", "checkout", "--yes", "--config",
       config_with_checks(dir, prometheus.url(), "vector(0.2)", "/-/nope")});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("rolled back to revision 41, but verification failed"));
  CHECK_THAT(ran.out, Contains("✗ health " + prometheus.url() + "/-/nope: answered 404, expected 200"));
  CHECK_THAT(ran.out, Contains("✗ metric below 0.05: `vector(0.2)` = 0.2"));
  CHECK_THAT(ran.out, !Contains("and verified"));
}
