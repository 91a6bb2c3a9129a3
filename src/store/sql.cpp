#include "goaround/store/sql.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>

#include "goaround/store/open.hpp"
#include "goaround/store/postgres_store.hpp"
#include "goaround/store/sqlite_store.hpp"

namespace goaround::store {
namespace sql {
namespace {

template <typename T>
T parse_number(const std::string& text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("the database returned '" + text + "' where a number belongs");
  return value;
}

}  // namespace

std::int64_t Row::int64(int column) const { return parse_number<std::int64_t>(text(column)); }

std::optional<std::int64_t> Row::optional_int64(int column) const {
  if (null(column)) return std::nullopt;
  return int64(column);
}

std::optional<double> Row::optional_real(int column) const {
  if (null(column)) return std::nullopt;
  return parse_number<double>(text(column));
}

bool Row::boolean(int column) const {
  const auto value = text(column);
  return value == "1" || value == "t" || value == "true";
}

}  // namespace sql

SqlStore::SqlStore(std::unique_ptr<sql::Session> session, const time::Clock& clock)
    : session_(std::move(session)), connection_{*session_, clock} {
  sql::migrate(*session_);
}

std::string Location::describe() const {
  if (!postgres()) return sqlite_file.string();
  auto parsed = boost::urls::parse_uri(postgres_url);
  if (!parsed) return "a PostgreSQL URL that does not parse";
  boost::urls::url shown(*parsed);
  if (shown.has_password()) shown.set_password("***");
  return std::string(shown.buffer());
}

std::unique_ptr<Store> open(const Location& where, const time::Clock& clock) {
  if (where.postgres()) return std::make_unique<PostgresStore>(where.postgres_url, where.password, clock);
  std::filesystem::create_directories(where.sqlite_file.parent_path());
  return std::make_unique<SqliteStore>(where.sqlite_file, clock, where.sqlite_busy, where.sqlite_durable);
}

}  // namespace goaround::store
