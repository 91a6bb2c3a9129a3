#include "goaround/store/sql_store.hpp"

namespace goaround::store::sql {

std::string_view now_ms(Dialect dialect) {
  // Both read one instant per statement (SQLite's 'now' is fixed for a statement), so a lease's
  // expiry, its check and the time returned agree to the millisecond.
  return dialect == Dialect::postgres
             ? "CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)"
             : "(CAST(strftime('%s', 'now') AS INTEGER) * 1000 + CAST(substr(strftime('%f', 'now'), 4) AS INTEGER))";
}

std::optional<Leases::Grant> Leases::acquire(const std::string& name, const std::string& holder,
                                             std::chrono::milliseconds ttl) {
  // One statement: a free name is taken, the holder's own lease renewed (same token), and an
  // expired one handed over with the next token; a running lease of another holder is left.
  const std::string now(now_ms(c_.db.dialect()));
  const auto granted = c_.db.run(
      "INSERT INTO leases (name, holder, token, expires_ms, acquired_at) VALUES (?, ?, 1, " + now + " + ?, ?)"
      " ON CONFLICT (name) DO UPDATE SET"
      " token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END,"
      " acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,"
      " holder = excluded.holder, expires_ms = excluded.expires_ms"
      " WHERE leases.holder = excluded.holder OR leases.expires_ms <= " + now +
      " RETURNING token, expires_ms, " + now,
      {name, holder, static_cast<std::int64_t>(ttl.count()), c_.now()});
  if (!granted.first()) return std::nullopt;
  const auto& r = *granted.first();
  return Grant{r.int64(0), r.int64(1), r.int64(2)};
}

void Leases::release(const std::string& name, const std::string& holder) {
  c_.db.run("UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?", {name, holder});
}

std::optional<std::string> Leases::holder(const std::string& name) {
  const auto result = c_.db.run(
      "SELECT holder FROM leases WHERE name = ? AND expires_ms > " + std::string(now_ms(c_.db.dialect())), {name});
  if (!result.first()) return std::nullopt;
  return result.first()->text(0);
}

}  // namespace goaround::store::sql
