#include "goaround/store/sqlite_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace goaround::store::sqlite {

std::vector<bool> SqliteEnvelopes::record(const std::vector<EnvelopeIds>& envelopes) {
  SQLite::Transaction transaction(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement insert(c_.db,
                           "INSERT INTO processed_envelopes (envelope_id, received_at, kind) VALUES (?, ?, ?)"
                           " ON CONFLICT DO NOTHING");
  const auto received_at = c_.now();
  const auto remember = [&](const std::string& id, const std::string& kind) {
    insert.reset();
    insert.bind(1, id);
    insert.bind(2, received_at);
    insert.bind(3, kind);
    return insert.exec() == 1;
  };
  std::vector<bool> fresh;
  for (const auto& e : envelopes) {
    bool is_new = remember(e.envelope_id, e.kind);
    if (!e.event_id.empty()) is_new = remember("event:" + e.event_id, e.kind) && is_new;
    fresh.push_back(is_new);
  }
  transaction.commit();
  return fresh;
}

std::vector<std::string> SqliteEnvelopes::since(time::TimePoint since) {
  SQLite::Statement q(c_.db, "SELECT envelope_id FROM processed_envelopes WHERE received_at >= ?");
  q.bind(1, time::format_utc(since));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

int SqliteEnvelopes::prune(time::TimePoint before) {
  SQLite::Statement q(c_.db, "DELETE FROM processed_envelopes WHERE received_at < ?");
  q.bind(1, time::format_utc(before));
  return q.exec();
}

}  // namespace goaround::store::sqlite
