#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "goaround/app/serve_lock.hpp"
#include "goaround/chat/mrkdwn.hpp"
#include "goaround/console/console.hpp"
#include "support/headless_bot.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

namespace {

constexpr const char* fast_config = R"(data_dir: DATA
log: { level: warn }
services:
  - name: checkout
    environment: sim
    adapter: sim
    sim: { revisions: 42, replicas: 4, step: 20ms, progress_deadline: 2s, failure: FAILURE }
  - name: payments
    environment: sim
    adapter: sim
    sim: { revisions: 17, replicas: 3, step: 20ms }
)";

std::string config_file(const testing::TempDir& dir, const std::string& failure = "none") {
  std::string text = fast_config;
  text.replace(text.find("DATA"), 4, (dir.path() / "var").string());
  text.replace(text.find("FAILURE"), 7, failure);
  return dir.write("goaround.yaml", text).string();
}

std::vector<std::string> event_kinds(const testing::TempDir& dir, int incident = 1) {
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, "SELECT kind FROM timeline_events WHERE incident_id = ? ORDER BY id");
  q.bind(1, incident);
  std::vector<std::string> kinds;
  while (q.executeStep()) kinds.push_back(q.getColumn(0).getString());
  return kinds;
}

std::string execution_state(const testing::TempDir& dir, int id = 1) {
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, "SELECT state FROM executions WHERE id = ?");
  q.bind(1, id);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

}  // namespace

TEST_CASE("the console runs a complete go-around typed as in Slack, and keeps the timeline") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto ran = testing::run_goaround(
      {"--config", config},
      "/rollback checkout --reason \"5xx after 1.42\"\n1\n/rollback checkout\n"
      "/rollback note error rate falling\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("goaround console"));
  CHECK_THAT(ran.out, Contains("[bot] Go-around: checkout (sim) · incident #1"));  // mrkdwn as a terminal shows it
  CHECK_THAT(ran.out, Contains("Will run: `sim rollout undo deployment/checkout --to-revision=41`"));
  CHECK_THAT(ran.out, Contains("[1] Confirm go-around [2] Cancel"));
  CHECK_THAT(ran.out, Contains("Confirmed by"));
  CHECK_THAT(ran.out, Contains("Rolling back checkout to revision 41"));
  CHECK_THAT(ran.out, Contains("Progress: ████ 4/4 ready"));
  CHECK_THAT(ran.out, Contains("✅ checkout rolled back to revision 41 and verified in"));
  // The result is on the card already: not printed a second time right under it.
  const auto result_line = std::string("✅ checkout rolled back to revision 41");
  CHECK(ran.out.find(result_line) == ran.out.rfind(result_line));
  CHECK_THAT(ran.out, Contains("[to you] checkout is already going around"));
  CHECK_THAT(ran.out, Contains("Noted in incident #1"));
  const auto kinds = event_kinds(dir);
  for (const auto* kind : {"incident_opened", "card", "confirmation", "command", "progress",
                           "verification", "result", "refusal", "note"})
    CHECK(std::find(kinds.begin(), kinds.end(), kind) != kinds.end());
  CHECK(execution_state(dir) == "succeeded");

  const auto timeline = testing::run_goaround({"timeline", "--config", config});
  CHECK(timeline.exit_code == 0);
  CHECK_THAT(timeline.out, Contains("Incident #1 · checkout (sim)"));
  CHECK_THAT(timeline.out, Contains(" UTC  card"));
  CHECK_THAT(timeline.out, Contains(" UTC  result            goaround: ✅"));
  CHECK_THAT(timeline.out, Contains(" UTC  note              "));
  CHECK_THAT(timeline.out, !Contains("UTC  typed"));
  const auto everything = testing::run_goaround({"timeline", "--all", "--config", config}).out;
  CHECK_THAT(everything, Contains(" UTC  typed             operator: /rollback checkout --reason \"5xx after 1.42\""));
  // `1` is recorded as the button's words, not its action id.
  CHECK_THAT(everything, Contains(" UTC  pressed           operator: Confirm go-around"));
  CHECK_THAT(everything, !Contains("goaround.confirm"));
}

TEST_CASE("the console shows every emoji code the bot's templates use as its glyph, and keeps people's own codes") {
  std::set<std::string> codes;
  const std::regex code(":[a-z_]+:");
  for (const auto& file : std::filesystem::directory_iterator(std::filesystem::path(GOAROUND_SOURCE_DIR) / "templates")) {
    std::ifstream in(file.path());
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    for (auto it = std::sregex_iterator(text.begin(), text.end(), code); it != std::sregex_iterator(); ++it)
      codes.insert(it->str());
  }
  REQUIRE_FALSE(codes.empty());
  for (const auto& c : codes) {
    INFO(c);
    CHECK(chat::from_mrkdwn(c, chat::Rendering::plain).find(':') == std::string::npos);
  }
  CHECK(chat::from_mrkdwn("shipped :party-parrot: at 14:02", chat::Rendering::plain) == "shipped :party-parrot: at 14:02");
  // In a Markdown file: bold stays bold, links are links, emoji are glyphs.
  CHECK(chat::from_mrkdwn(":ice_cube: *Change freeze:* see <https://x.test/r|the runbook>, <@U1|alice>", chat::Rendering::markdown) ==
        "🧊 **Change freeze:** see [the runbook](https://x.test/r), @alice");
}

TEST_CASE("the console answers bad input with a message and carries on") {
  testing::TempDir dir;
  const auto ran = testing::run_goaround(
      {"--config", config_file(dir)},
      "/rollback chekout\n/rollback checkout --to\nhello\n7\n/rollback checkout --reason 'open\n"
      "/rollback help\n/rollback status\nquit\n/rollback checkout\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("Unknown service or subcommand `chekout`. Known services: checkout payments"));
  CHECK_THAT(ran.out, Contains("--to needs a value"));
  CHECK_THAT(ran.out, Contains("The bot answers /rollback only"));
  CHECK_THAT(ran.out, Contains("There is no choice 7"));
  CHECK_THAT(ran.out, Contains("the quote after --reason is not closed"));
  CHECK_THAT(ran.out, Contains("/rollback timeline [incident]"));
  CHECK_THAT(ran.out, Contains("No open incidents"));
  // quit stops reading: the go-around typed after it never happened.
  CHECK_THAT(ran.out, !Contains("*Go-around: checkout*"));
}

TEST_CASE("the headless rollback exits 0 only when rolled back and verified") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto ran = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config,
                                          "--reason", "slack is down"});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("reason: slack is down"));
  CHECK_THAT(ran.out, Contains("verified in"));
  CHECK(execution_state(dir) == "succeeded");
  CHECK(event_kinds(dir).back() == "result");
}

TEST_CASE("the headless rollback of a rollout that never gets ready exits 1 with the reason") {
  testing::TempDir dir;
  const auto ran =
      testing::run_goaround({"rollback", "checkout", "--yes", "--config", config_file(dir, "never_ready")});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("FAILED"));
  CHECK_THAT(ran.out, Contains("progress deadline exceeded"));
  CHECK(execution_state(dir) == "failed");
}

TEST_CASE("the headless rollback asks first, and a no leaves everything as it was") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto declined = testing::run_goaround({"rollback", "payments", "--config", config}, "n\n");
  INFO(declined.out << declined.err);
  CHECK(declined.exit_code == 3);
  CHECK_THAT(declined.out, Contains("Confirm the go-around of payments?"));
  CHECK(execution_state(dir) == "cancelled");
  const auto accepted = testing::run_goaround({"rollback", "payments", "--config", config}, "yes\n");
  CHECK(accepted.exit_code == 0);
  CHECK(execution_state(dir, 2) == "succeeded");
}

TEST_CASE("the headless rollback refuses unknown services and failed pre-flight with exit 3") {
  testing::TempDir dir;
  const auto unknown = testing::run_goaround({"rollback", "chekout", "--yes", "--config", config_file(dir)});
  CHECK(unknown.exit_code == 3);
  CHECK_THAT(unknown.out, Contains("Known services: checkout payments"));
  const auto missing = testing::run_goaround(
      {"rollback", "checkout", "--yes", "--config", config_file(dir, "revision_missing")});
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.out, Contains("✗ target ReplicaSet still present"));
}

TEST_CASE("check-config prints every problem with line and column and exits 2") {
  testing::TempDir dir;
  const auto bad = dir.write("bad.yaml", "services:\n  - name: checkout\n    colour: red\n");
  const auto ran = testing::run_goaround({"check-config", bad.string()});
  CHECK(ran.exit_code == 2);
  CHECK_THAT(ran.err, Contains(bad.string() + ":3:5: unknown key `colour` in services[0]"));
  CHECK_THAT(ran.err, Contains(bad.string() + ":2:5: services[0].environment is required"));
  const auto good = testing::run_goaround(
      {"check-config", std::string(GOAROUND_SOURCE_DIR) + "/deploy/goaround.example.yaml"});
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.out, Contains("checkout (prod) on the kubectl adapter"));
}

TEST_CASE("the command line explains itself and rejects what it does not know") {
  const auto help = testing::run_goaround({"--help"});
  CHECK(help.exit_code == 0);
  for (const auto* sub : {"goaround [console]", "goaround rollback <service>", "goaround timeline",
                          "goaround check-config FILE", "--config VALUE", "--data VALUE"})
    CHECK_THAT(help.out, Contains(sub));
  const auto sub_help = testing::run_goaround({"rollback", "--help"});
  CHECK_THAT(sub_help.out, Contains("--yes"));
  CHECK_THAT(sub_help.out, !Contains("check-config"));
  const auto unknown = testing::run_goaround({"launch"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Contains("unknown subcommand `launch`"));
  const auto foreign = testing::run_goaround({"timeline", "--yes"});
  CHECK(foreign.exit_code == 2);
  CHECK_THAT(foreign.err, Contains("unknown option --yes"));
}

TEST_CASE("the data option overrides the configured data folder") {
  testing::TempDir dir;
  const auto elsewhere = dir.path() / "elsewhere";
  const auto ran = testing::run_goaround(
      {"rollback", "payments", "--yes", "--config", config_file(dir), "--data", elsewhere.string()});
  CHECK(ran.exit_code == 0);
  CHECK(std::filesystem::exists(elsewhere / "goaround.db"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "var" / "goaround.db"));
  // Reading with a mistyped folder is an error, and creates nothing.
  const auto typo = dir.path() / "elsewehre";
  for (const auto* reader : {"timeline", "debrief"}) {
    const auto read = testing::run_goaround({reader, "--config", config_file(dir), "--data", typo.string()});
    INFO(reader << ": " << read.err);
    CHECK(read.exit_code == 2);
    CHECK_THAT(read.err, Contains("no timeline database at " + (typo / "goaround.db").string()));
    CHECK_FALSE(std::filesystem::exists(typo));
  }
  CHECK(testing::run_goaround({"timeline", "--config", config_file(dir), "--data", elsewhere.string()}).exit_code == 0);
}

TEST_CASE("a clock that is neither wall nor virtual is refused, not taken for the wall clock") {
  testing::TempDir dir;
  const auto ran = testing::run_goaround({"--config", config_file(dir), "--clock", "sundial"}, "quit\n");
  CHECK(ran.exit_code == 2);
  CHECK_THAT(ran.err, Contains("--clock must be wall or virtual, not `sundial`"));
  CHECK(testing::run_goaround({"--config", config_file(dir), "--clock", "wall"}, "quit\n").exit_code == 0);
}

TEST_CASE("logs can be JSON, one object per line, with the message escaped") {
  testing::TempDir dir;
  const auto ran = testing::run_goaround({"rollback", "payments", "--yes", "--config", config_file(dir), "--log-level",
                                          "info", "--log-format", "json"});
  CHECK_THAT(ran.err, Contains(R"("level":"info","logger":"goaround","msg":"goaround rollback: data in )"));
}

TEST_CASE("in the console a go-around gets scheduled status posts in virtual time") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto ran = testing::run_goaround(
      {"--config", config, "--clock", "virtual"},
      "/rollback checkout\n1\n:wait\n:advance 15m\n:advance 3m\n/rollback status all quiet, next update in 15\n"
      ":advance 10m\n/rollback close recovered\n:advance 1h\n:advance\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("a status update for incident #1 (checkout) is due"));
  CHECK_THAT(ran.out, Contains("[1] Snooze 30m [2] Snooze 1h"));
  CHECK_THAT(ran.out, Contains("Status update · checkout · incident #1 · open for"));
  CHECK_THAT(ran.out, Contains("Go-around: rolled back to revision 41 and verified"));
  CHECK_THAT(ran.out, Contains("Status update · checkout · incident #1 from"));
  CHECK_THAT(ran.out, Contains("all quiet, next update in 15"));
  CHECK_THAT(ran.out, Contains("Usage: :advance DURATION"));
  const auto kinds = event_kinds(dir);
  CHECK(std::count(kinds.begin(), kinds.end(), "status_reminder") == 1);
  CHECK(std::count(kinds.begin(), kinds.end(), "status_update") == 2);
  CHECK(kinds.back() == "closed");
  const auto wall = testing::run_goaround({"--config", config}, ":advance 15m\n");
  CHECK_THAT(wall.out, Contains(":advance needs the virtual clock"));
}

TEST_CASE("check-config refuses a config that cannot work, sorted by line, with the fix in words") {
  testing::TempDir dir;
  const auto bad = dir.write("cannot-work.yaml",
                             "http:\n"
                             "  token: hunter2\n"
                             "services:\n"
                             "  - name: all\n"
                             "    environment: prod\n"
                             "    adapter: sim\n"
                             "  - name: checkout\n"
                             "    enviroment: prod\n"
                             "    adapter: sim\n"
                             "    helm: { namespace: shop, release: checkout }\n"
                             "    status_interval: 0s\n"
                             "    verify: { query: 'sum(rate(errors[1m]))', below: 0.05 }\n"
                             "    triggers:\n"
                             "      - { name: '', query: '', threshold: 1, severity: log_only }\n"
                             "      - { name: '', query: x, threshold: 1, severity: log_only }\n");
  const auto ran = testing::run_goaround({"check-config", bad.string()});
  INFO(ran.err);
  CHECK(ran.exit_code == 2);
  const auto at = [&](const std::string& position, const std::string& text) {
    CHECK_THAT(ran.err, Contains(bad.string() + ":" + position + ": " + text));
  };
  at("2:10", "http.token must be an environment reference like ${GOAROUND_HTTP_TOKEN}");
  at("4:11", "services[0].name `all` is a /rollback subcommand");
  at("8:5", "unknown key `enviroment` in services[1]: did you mean `environment`?");
  at("10:11", "services[1].helm does not apply to the sim adapter");
  at("11:22", "services[1].status_interval must be longer than 0");
  at("12:22", "services[1].verify.query needs the `prometheus` block");
  at("14:7", "services[1].triggers need the `prometheus` block");
  at("14:28", "services[1].triggers[0].query is empty");
  CHECK_THAT(ran.err, !Contains("is defined twice"));  // two unnamed triggers are one problem each
  CHECK_THAT(ran.err, !Contains(":0:0:"));
  // Problems come in file order, whatever order they were found in.
  std::vector<int> lines;
  std::istringstream err(ran.err);
  for (std::string line; std::getline(err, line);)
    if (line.starts_with(bad.string() + ":") && !line.ends_with("problem(s)")) lines.push_back(std::stoi(line.substr(bad.string().size() + 1)));
  CHECK(std::is_sorted(lines.begin(), lines.end()));

  const auto missing = testing::run_goaround({"check-config", (dir.path() / "nope.yaml").string()});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("nope.yaml: cannot read the file (No such file or directory)"));
  const auto empty = testing::run_goaround({"check-config", dir.write("empty.yaml", "").string()});
  CHECK(empty.exit_code == 2);
  CHECK_THAT(empty.err, Contains("empty.yaml: the configuration is empty"));
  const auto serve_missing = testing::run_goaround({"serve", "--config", (dir.path() / "nope.yaml").string()});
  CHECK(serve_missing.exit_code == 2);
  CHECK_THAT(serve_missing.err, Contains("nope.yaml: cannot read the file"));
  CHECK_THAT(serve_missing.err, !Contains(":0:0:"));
}

TEST_CASE("check-config passes what works here but warns of what will not: tools, kubeconfig") {
  testing::TempDir dir;
  const auto file = dir.write("warn.yaml",
                              "tools:\n"
                              "  kubectl: goaround-test-no-such-kubectl\n"
                              "  kubeconfig: /nonexistent/goaround/kubeconfig\n"
                              "services:\n"
                              "  - name: checkout\n"
                              "    environment: prod\n"
                              "    adapter: kubectl\n"
                              "    kubectl: { namespace: shop, deployment: checkout }\n");
  const auto ran = testing::run_goaround({"check-config", file.string()});
  INFO(ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("warn.yaml: ok"));
  CHECK_THAT(ran.err, Contains(file.string() + ":3:15: warning: tools.kubeconfig `/nonexistent/goaround/kubeconfig` does not exist"));
  CHECK_THAT(ran.err, Contains(file.string() + ":7:14: warning: `goaround-test-no-such-kubectl` is not on PATH: "
                                               "go-arounds of checkout would fail to start"));
}

TEST_CASE("console numbers belong to the last card shown: a newer card without buttons leaves nothing to press") {
  testing::TempDir dir;
  // payments shows its card (Confirm, Cancel); checkout's pre-flight fails, so its card offers none.
  const auto ran = testing::run_goaround({"--config", config_file(dir, "revision_missing")},
                                         "/rollback payments\n/rollback checkout\n1\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("[1] Confirm go-around"));
  CHECK_THAT(ran.out, Contains("There is no choice 1 on the latest message."));
  CHECK(execution_state(dir, 1) == "planned");  // payments was not confirmed by the stray 1
}

TEST_CASE("the headless rollback reads like chat: words are the reason, 1 confirms, a usage error shows only its own usage") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto ran = testing::run_goaround({"rollback", "payments", "it's", "the", "db", "--config", config}, "1\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("Type 1 (or y) to confirm"));
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement reason(db, "SELECT reason FROM executions WHERE id = 1");
  REQUIRE(reason.executeStep());
  CHECK(reason.getColumn(0).getString() == "it's the db");

  const auto declined = testing::run_goaround({"rollback", "checkout", "--config", config}, "2\n");
  CHECK(declined.exit_code == 3);

  const auto missing = testing::run_goaround({"rollback", "checkout", "--to"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("goaround rollback: --to needs a value"));
  CHECK_THAT(missing.err, Contains("goaround rollback <service>"));
  CHECK_THAT(missing.err, !Contains("goaround timeline"));
}

TEST_CASE("a second serve on one data folder is refused with exit 5, and the folder is free again once the first stops") {
  namespace bp = boost::process::v2;
  testing::TempDir dir;
  const auto config = config_file(dir);
  boost::asio::io_context io;
  bp::process first(io, GOAROUND_BINARY, {"serve", "--config", config}, bp::process_stdio{nullptr, nullptr, nullptr});
  const auto lock = dir.path() / "var" / "serve.lock";
  for (int i = 0; i < 200 && !(std::filesystem::exists(lock) && std::filesystem::file_size(lock) > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto second = testing::run_goaround({"serve", "--config", config});
  CHECK(second.exit_code == 5);
  CHECK_THAT(second.err, Contains("another goaround serve (pid " + std::to_string(first.id()) + " on "));
  CHECK_THAT(second.err, Contains("one serve per folder"));
  // However the first ends (SIGTERM may arrive before its handler is installed), the kernel
  // drops the lock with the process: the folder can be served again.
  first.request_exit();
  first.wait();
  CHECK(std::holds_alternative<app::ServeLock>(app::ServeLock::take(dir.path() / "var")));
  const auto console = testing::run_goaround({"--config", config}, "/rollback status\n");
  CHECK(console.exit_code == 0);
}

TEST_CASE("a rejected revision through the real binary: the headless go-around rejects it, serve's HTTP answers 409, "
          "the console accepts it, and the next registration is 201") {
  testing::HeadlessBot served(R"(freeze_until_debrief: false
services:
  - name: checkout
    environment: sim
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms }
)");
  const auto config = (served.dir.path() / "goaround.yaml").string();
  const auto ran = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config, "5xx", "after", "1.42"});
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  CHECK_THAT(ran.out + ran.err, Contains("revision 42 (registry.local/checkout:1.42) is rejected by goaround"));

  const std::string again = R"({"service":"checkout","environment":"sim","revision":"1.42","image":"registry.local/checkout:1.42"})";
  auto answer = served.post("/v1/deployments", again);
  CHECK(answer.status == 409);
  CHECK_THAT(answer.body, Contains("was rejected by goaround at "));
  CHECK_THAT(answer.body, Contains("in incident #1 (go-around #1 rolled back from it): 5xx after 1.42"));

  const auto history = testing::run_goaround({"--config", config}, "/rollback history checkout\n");
  CHECK_THAT(history.out, Contains("⛔ rejected by goaround at "));
  const auto accepted = testing::run_goaround({"--config", config}, "/rollback accept checkout 1.42\n");
  CHECK_THAT(accepted.out, Contains("checkout revision 42 (registry.local/checkout:1.42) is accepted again by "));
  CHECK(served.post("/v1/deployments", again).status == 201);
  CHECK(served.count("SELECT count(*) FROM timeline_events WHERE kind IN ('rejection', 'acceptance')") == 2);
}

TEST_CASE("in the console a button shown earlier is pressed by its words, after newer messages took the numbers") {
  testing::TempDir dir;
  const auto config = config_file(dir);
  const auto ran = testing::run_goaround({"--config", config},
                                         "/rollback checkout\n1\n:wait\n/rollback close back to normal\n"
                                         "/rollback debrief\n1\ntrigger was RIGHT\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("There is no choice 1 on the latest message. To press a button shown earlier, type its words"));
  const auto kinds = event_kinds(dir);
  CHECK(std::count(kinds.begin(), kinds.end(), "trigger_review") == 1);
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, "SELECT text FROM timeline_events WHERE kind = 'pressed' ORDER BY id DESC LIMIT 1");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "Trigger was right");
}
