#pragma once
#include <libpq-fe.h>

namespace goaround::libs {

// The libpq functions the PostgreSQL store calls, by their own names and types.
struct Libpq {
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQstatus) PQstatus;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQsocket) PQsocket;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQexec) PQexec;
  decltype(&::PQprepare) PQprepare;
  decltype(&::PQexecPrepared) PQexecPrepared;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQnfields) PQnfields;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQcmdTuples) PQcmdTuples;
  decltype(&::PQclear) PQclear;
};

// libpq.so.5, opened on the first call (from any thread); throws, saying what to install, when
// it cannot be opened. Only a bot configured with `store: {postgres: …}` ever calls it.
const Libpq& libpq();

}  // namespace goaround::libs
