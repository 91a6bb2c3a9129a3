#include "goaround/store/postgres_store.hpp"

#include <boost/algorithm/string/trim.hpp>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "goaround/libs/libpq.hpp"

namespace goaround::store {
using libs::libpq;  // opened by the first connection, so a bot on SQLite never maps it

namespace sql {
namespace {

// Every multi-statement write takes this transaction-scoped advisory lock: the replicas'
// writers queue as processes on one SQLite file do ('g' 'a', a number no one else uses).
constexpr const char* writer_lock = "SELECT pg_advisory_xact_lock(26465)";
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto longest_backoff = std::chrono::seconds(5);

struct ResultDeleter {
  void operator()(PGresult* r) const { libpq().PQclear(r); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

// `?` → `$1`, `$2`, …; quoted text is left as it is.
std::string numbered_parameters(std::string_view statement) {
  std::string out;
  out.reserve(statement.size() + 16);
  bool quoted = false;
  int next = 1;
  for (const char c : statement) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) out += '$' + std::to_string(next++);
    else out += c;
  }
  return out;
}

// Connection trouble, as opposed to a statement the server refused (SQLSTATE class 08, or
// the server shutting down: 57P01-57P03).
bool lost_connection(PGconn* connection, const PGresult* result) {
  if (libpq().PQstatus(connection) != CONNECTION_OK) return true;
  const char* state = result ? libpq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (!state) return result == nullptr;
  return std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "57P0", 4) == 0;
}

std::string trimmed(const char* message) { return boost::algorithm::trim_right_copy(std::string(message ? message : "")); }

}  // namespace

PostgresSession::PostgresSession(std::string url, std::optional<std::string> password)
    : url_(std::move(url)), password_(std::move(password)) {
  connect_if_needed();
}

PostgresSession::~PostgresSession() { drop_connection(); }

void PostgresSession::drop_connection() {
  if (connection_) libpq().PQfinish(connection_);
  connection_ = nullptr;
  prepared_.clear();
}

void PostgresSession::connect_if_needed() {
  if (connection_ && libpq().PQstatus(connection_) == CONNECTION_OK) return;
  if (broken_in_transaction_) throw Unavailable("postgresql: the connection broke inside a transaction");
  drop_connection();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) throw Unavailable("postgresql: not reachable; the next attempt is due shortly");
  // The URL first (expand_dbname), then what the bot adds: the password kept out of it, a
  // bounded connect, keepalives that notice a vanished peer, and a name in pg_stat_activity.
  // tcp_user_timeout: a statement in flight when the network goes fails in 10 s, not after
  // TCP's retransmissions (about 15 minutes of a stalled loop).
  std::vector<const char*> keys{"dbname", "connect_timeout", "application_name", "keepalives_idle",
                                "keepalives_interval", "keepalives_count", "tcp_user_timeout"};
  std::vector<const char*> values{url_.c_str(), "3", "goaround", "5", "2", "2", "10000"};
  if (password_) {
    keys.push_back("password");
    values.push_back(password_->c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  connection_ = libpq().PQconnectdbParams(keys.data(), values.data(), 1);
  if (libpq().PQstatus(connection_) != CONNECTION_OK) {
    const auto why = trimmed(libpq().PQerrorMessage(connection_));
    drop_connection();
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(first_backoff), std::chrono::milliseconds(longest_backoff));
    next_attempt_ = now + backoff_;
    throw Unavailable("postgresql: " + why);
  }
  if (backoff_.count() > 0) spdlog::info("postgresql: connected again");
  backoff_ = std::chrono::milliseconds(0);
  libpq().PQsetNoticeProcessor(connection_, [](void*, const char*) {}, nullptr);  // "relation exists, skipping"
}

void PostgresSession::notice_closed_connection() {
  if (!connection_ || in_transaction_) return;
  // Idle, we asked nothing: anything to read is the server saying goodbye (a shutdown's
  // FATAL, then end of file). Reconnect rather than send into a closed socket.
  pollfd watched{libpq().PQsocket(connection_), POLLIN, 0};
  if (::poll(&watched, 1, 0) > 0) {
    spdlog::info("postgresql: the server closed the connection; connecting again");
    drop_connection();
  }
}

void PostgresSession::fail(const PGresult* result, std::string_view statement) {
  const auto why = trimmed(result ? libpq().PQresultErrorMessage(result) : libpq().PQerrorMessage(connection_));
  if (lost_connection(connection_, result)) {
    if (in_transaction_) broken_in_transaction_ = true;
    drop_connection();
    throw Unavailable("postgresql: the connection broke: " + why);
  }
  throw std::runtime_error("postgresql: " + why + " (in: " + std::string(statement.substr(0, 80)) + ")");
}

Result PostgresSession::run(std::string_view statement, const std::vector<Value>& parameters) {
  notice_closed_connection();
  connect_if_needed();
  auto found = prepared_.find(statement);
  if (found == prepared_.end()) {
    const auto name = "s" + std::to_string(prepared_.size() + 1);
    const ResultHandle prepared(
        libpq().PQprepare(connection_, name.c_str(), numbered_parameters(statement).c_str(), 0, nullptr));
    if (!prepared || libpq().PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) fail(prepared.get(), statement);
    found = prepared_.emplace(std::string(statement), name).first;
  }
  std::vector<std::string> texts(parameters.size());
  std::vector<const char*> values(parameters.size(), nullptr);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) return;
          else if constexpr (std::is_same_v<T, std::string>) texts[i] = value;
          else if constexpr (std::is_same_v<T, double>) {
            std::array<char, 32> digits{};
            const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
            texts[i].assign(digits.data(), end);
          } else texts[i] = std::to_string(value);
          values[i] = texts[i].c_str();
        },
        parameters[i]);
  }
  const ResultHandle result(libpq().PQexecPrepared(connection_, found->second.c_str(), static_cast<int>(values.size()),
                                           values.data(), nullptr, nullptr, 0));
  const auto status = result ? libpq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result.get(), statement);
  Result out;
  const int rows = libpq().PQntuples(result.get()), columns = libpq().PQnfields(result.get());
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> cells;
    cells.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (libpq().PQgetisnull(result.get(), r, c)) cells.emplace_back();
      else cells.emplace_back(std::string(libpq().PQgetvalue(result.get(), r, c),
                                          static_cast<std::size_t>(libpq().PQgetlength(result.get(), r, c))));
    }
    out.rows.emplace_back(std::move(cells));
  }
  const char* changed = libpq().PQcmdTuples(result.get());
  out.changed = changed && *changed ? std::strtoll(changed, nullptr, 10) : 0;
  return out;
}

void PostgresSession::run_script(std::string_view statements) {
  notice_closed_connection();
  connect_if_needed();
  const ResultHandle result(libpq().PQexec(connection_, std::string(statements).c_str()));
  const auto status = result ? libpq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result.get(), statements);
}

void PostgresSession::begin_write() {
  run_script("BEGIN");
  in_transaction_ = true;
  try {
    run(writer_lock);
  } catch (...) {  // no WriteTransaction exists yet to roll it back
    rollback();
    throw;
  }
}

void PostgresSession::commit() {
  run_script("COMMIT");
  in_transaction_ = false;
}

void PostgresSession::rollback() noexcept {
  in_transaction_ = false;
  broken_in_transaction_ = false;
  if (!connection_ || libpq().PQstatus(connection_) != CONNECTION_OK) return;
  libpq().PQclear(libpq().PQexec(connection_, "ROLLBACK"));
}

bool PostgresSession::writable(std::string& why) {
  try {
    // A standby answers, but takes no writes.
    if (!run("SELECT NOT pg_is_in_recovery()").first()->boolean(0)) {
      why = "postgresql: the server is a read-only standby";
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
}

}  // namespace sql

PostgresStore::PostgresStore(std::string url, std::optional<std::string> password, const time::Clock& clock)
    : SqlStore((std::make_unique<sql::PostgresSession>(std::move(url), std::move(password))), clock) {}

}  // namespace goaround::store
