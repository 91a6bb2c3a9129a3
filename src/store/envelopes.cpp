#include "goaround/store/sql_store.hpp"

namespace goaround::store::sql {

std::vector<bool> Envelopes::record(const std::vector<EnvelopeIds>& envelopes) {
  WriteTransaction transaction(c_.db);
  const auto received_at = c_.now();
  // The primary key decides: on several replicas, the one whose insert lands first works on it.
  const auto remember = [&](const std::string& id, const std::string& kind) {
    return c_.db
               .run("INSERT INTO processed_envelopes (envelope_id, received_at, kind) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    {id, received_at, kind})
               .changed == 1;
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

std::vector<std::string> Envelopes::since(time::TimePoint since) {
  return read_all(c_.db.run("SELECT envelope_id FROM processed_envelopes WHERE received_at >= ?",
                            {time::format_utc(since)}),
                  [](const Row& r) { return r.text(0); });
}

int Envelopes::prune(time::TimePoint before) {
  return static_cast<int>(
      c_.db.run("DELETE FROM processed_envelopes WHERE received_at < ?", {time::format_utc(before)}).changed);
}

}  // namespace goaround::store::sql
