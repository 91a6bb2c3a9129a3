#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// The seam between the store's aggregates and a SQL backend. The aggregates are written once,
// in the SQL both SQLite and PostgreSQL speak (`?` parameters, ON CONFLICT, RETURNING); a
// Session runs one statement at a time and hands back text cells, as both backends can.
namespace goaround::store::sql {

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

template <typename T>
Value optional_value(const std::optional<T>& value) {
  if (!value) return nullptr;
  if constexpr (std::is_floating_point_v<T>) return static_cast<double>(*value);
  else if constexpr (std::is_integral_v<T>) return static_cast<std::int64_t>(*value);
  else return std::string(*value);
}

// A row as text cells; NULL is an empty optional.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  int size() const { return static_cast<int>(cells_.size()); }
  bool null(int column) const { return !cells_.at(static_cast<std::size_t>(column)); }
  // NULL reads as "".
  std::string text(int column) const { return cells_.at(static_cast<std::size_t>(column)).value_or(""); }
  std::optional<std::string> optional_text(int column) const { return cells_.at(static_cast<std::size_t>(column)); }
  std::int64_t int64(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::optional<double> optional_real(int column) const;
  // SQLite's 1/0 and PostgreSQL's t/f.
  bool boolean(int column) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

struct Result {
  std::vector<Row> rows;
  std::int64_t changed = 0;  // rows an INSERT, UPDATE or DELETE changed
  const Row* first() const { return rows.empty() ? nullptr : &rows.front(); }
};

// Each row read by `read`, in order.
template <typename Read>
auto read_all(const Result& result, Read read) {
  std::vector<std::decay_t<decltype(read(std::declval<const Row&>()))>> out;
  out.reserve(result.rows.size());
  for (const auto& row : result.rows) out.push_back(read(row));
  return out;
}

// The database could not be reached (or the connection broke mid-statement): whatever the
// statement was, the caller reports it; the next call reconnects.
class Unavailable : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Dialect { sqlite, postgres };

// One connection. Not safe to share across threads: one Session per thread.
class Session {
 public:
  virtual ~Session() = default;
  // One statement; each `?` is the next parameter.
  virtual Result run(std::string_view statement, const std::vector<Value>& parameters = {}) = 0;
  // Several statements without parameters (a migration).
  virtual void run_script(std::string_view statements) = 0;
  // A transaction every other writer of the same database waits for: SQLite's BEGIN
  // IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock, so replicas serialise
  // their multi-statement writes as processes on one SQLite file do.
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual Dialect dialect() const = 0;
  // Probes that a write could start now, answering within about half a second.
  virtual bool writable(std::string& why) = 0;
};

// Unix time in milliseconds on the database's own clock, as an SQL expression: leases compare
// times written by different machines, so they read one clock.
std::string_view now_ms(Dialect dialect);

// begin_write() now; rollback() unless commit() was called.
class WriteTransaction {
 public:
  explicit WriteTransaction(Session& session) : session_(session) { session_.begin_write(); }
  ~WriteTransaction() {
    if (!done_) session_.rollback();
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit() {
    session_.commit();
    done_ = true;
  }

 private:
  Session& session_;
  bool done_ = false;
};

}  // namespace goaround::store::sql
