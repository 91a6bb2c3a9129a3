#pragma once
#include <libpq-fe.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "goaround/store/sql_store.hpp"

namespace goaround::store {

namespace sql {

// A connection to PostgreSQL through libpq. A broken connection (the server restarted, the
// network went) is noticed before the next statement is sent and re-established then, with
// backoff; a statement that was under way when it broke fails with Unavailable and is not
// re-sent, because whether it committed is unknown to us: the caller reports it.
class PostgresSession final : public Session {
 public:
  // `url`: a libpq connection URI (postgresql://user@host:port/db); `password`, when given,
  // is passed beside it so that it never sits in a URL.
  PostgresSession(std::string url, std::optional<std::string> password);
  ~PostgresSession() override;
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;

  Result run(std::string_view statement, const std::vector<Value>& parameters = {}) override;
  void run_script(std::string_view statements) override;
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;
  Dialect dialect() const override { return Dialect::postgres; }
  bool writable(std::string& why) override;

 private:
  void connect_if_needed();
  void drop_connection();
  [[noreturn]] void fail(const PGresult* result, std::string_view statement);
  // A server that shut down or restarted while we were idle has written to, then closed, the
  // socket: the connection is known broken before we send anything.
  void notice_closed_connection();

  const std::string url_;
  const std::optional<std::string> password_;
  PGconn* connection_ = nullptr;
  std::map<std::string, std::string, std::less<>> prepared_;  // statement → its prepared name
  bool in_transaction_ = false;
  bool broken_in_transaction_ = false;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
};

}  // namespace sql

// The timeline on PostgreSQL, shared by every replica; migrated on opening, under the
// writers' advisory lock, so replicas starting together migrate once.
class PostgresStore final : public SqlStore {
 public:
  PostgresStore(std::string url, std::optional<std::string> password, const time::Clock& clock);
};

}  // namespace goaround::store
