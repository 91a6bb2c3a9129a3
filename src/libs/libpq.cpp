#include "goaround/libs/libpq.hpp"

#include "goaround/libs/optional_library.hpp"

namespace goaround::libs {

const Libpq& libpq() {
  static const Libpq loaded = [] {
    const OptionalLibrary library("libpq.so.5", "the PostgreSQL store", "libpq5");
    Libpq pq;
#define GOAROUND_BIND(name) pq.name = library.function<decltype(::name)>(#name)
    GOAROUND_BIND(PQconnectdbParams);
    GOAROUND_BIND(PQstatus);
    GOAROUND_BIND(PQerrorMessage);
    GOAROUND_BIND(PQsetNoticeProcessor);
    GOAROUND_BIND(PQsocket);
    GOAROUND_BIND(PQfinish);
    GOAROUND_BIND(PQexec);
    GOAROUND_BIND(PQprepare);
    GOAROUND_BIND(PQexecPrepared);
    GOAROUND_BIND(PQresultStatus);
    GOAROUND_BIND(PQresultErrorMessage);
    GOAROUND_BIND(PQresultErrorField);
    GOAROUND_BIND(PQntuples);
    GOAROUND_BIND(PQnfields);
    GOAROUND_BIND(PQgetisnull);
    GOAROUND_BIND(PQgetvalue);
    GOAROUND_BIND(PQgetlength);
    GOAROUND_BIND(PQcmdTuples);
    GOAROUND_BIND(PQclear);
#undef GOAROUND_BIND
    return pq;
  }();
  return loaded;
}

}  // namespace goaround::libs
