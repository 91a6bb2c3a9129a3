#pragma once
#include <libpq-fe.h>

#include "goaround/libs/optional_library.hpp"

namespace goaround::libs {

// The libpq functions the PostgreSQL store calls: the one list the table is made from.
#define GOAROUND_LIBPQ_FUNCTIONS(EACH)                                                           \
  EACH(PQconnectdbParams) EACH(PQstatus) EACH(PQerrorMessage) EACH(PQsetNoticeProcessor)         \
  EACH(PQsocket) EACH(PQfinish) EACH(PQexec) EACH(PQprepare) EACH(PQexecPrepared)                 \
  EACH(PQresultStatus) EACH(PQresultErrorMessage) EACH(PQresultErrorField) EACH(PQntuples)        \
  EACH(PQnfields) EACH(PQgetisnull) EACH(PQgetvalue) EACH(PQgetlength) EACH(PQcmdTuples) EACH(PQclear)

// Those functions, by their own names and types.
struct Libpq {
  GOAROUND_LIBPQ_FUNCTIONS(GOAROUND_LIBRARY_MEMBER)
};

// libpq.so.5, opened on the first call (see opened()); throws Unavailable, saying what to
// install. Only a bot configured with `store: {postgres: …}` ever calls it.
const Libpq& libpq();

}  // namespace goaround::libs
