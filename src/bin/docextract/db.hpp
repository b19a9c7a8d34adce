// libpq connections of the docextract command: psql's conventions (PG* variables, a connection
// string or URI in -d, ~/.pgpass) plus the original application's defaults, and a thin layer of
// RAII results and typed errors over PQexecParams.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace docextract::cli {

// What the user gave on the command line; everything else comes from libpq (PG* variables,
// service file, ~/.pgpass) or, last, from connection_defaults().
struct ConnSpec {
    std::string dbname;  // a database name, a key=value connection string or a URI
    std::string host, port, user;
    std::string application_name = "docextract";
};

// keepalives and timeouts applied when neither the command line nor the environment sets them.
const std::vector<std::pair<std::string, std::string>> &connection_defaults();

// The keyword/value list passed to PQconnectdbParams (expand_dbname = 1).
std::vector<std::pair<std::string, std::string>> connection_params(const ConnSpec &spec);

// An error reported by the server (sqlstate set) or by libpq (sqlstate empty).
struct DbError : std::runtime_error {
    std::string sqlstate, detail, hint;
    bool connection_lost = false;
    DbError(std::string message, std::string state, std::string det, std::string h, bool lost)
        : std::runtime_error(std::move(message)), sqlstate(std::move(state)),
          detail(std::move(det)), hint(std::move(h)), connection_lost(lost) {}
    // "SQLSTATE: message" plus the detail, as one line.
    std::string describe() const;
};

struct ResultDeleter {
    void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One bind parameter: a type OID, its value (nullopt: NULL) and whether it is sent in binary.
struct Param {
    unsigned type;
    std::optional<std::string> value;
    bool binary = false;
};

constexpr unsigned kTextOid = 25, kByteaOid = 17, kUuidOid = 2950, kInt4Oid = 23,
                   kBoolOid = 16, kFloat8Oid = 701;

Param text_param(std::optional<std::string> v);   // text, binary format (the raw bytes)
Param bytea_param(std::string bytes);             // bytea, binary format
Param uuid_param(const std::string &uuid);        // uuid, text format
Param int_param(int v);                           // int4, text format

class Connection {
  public:
    Connection() = default;
    explicit Connection(PGconn *c) : conn_(c) {}
    Connection(Connection &&o) noexcept : conn_(std::exchange(o.conn_, nullptr)) {}
    Connection &operator=(Connection &&o) noexcept {
        if (this != &o) {
            close();
            conn_ = std::exchange(o.conn_, nullptr);
        }
        return *this;
    }
    ~Connection() { close(); }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Connects; throws DbError (connection_lost = true) when the connection fails. Every
    // session gets search_path pinned to pg_catalog, pg_temp.
    static Connection open(const ConnSpec &spec);
    static Connection open(const std::vector<std::pair<std::string, std::string>> &params);

    PGconn *get() const { return conn_; }
    bool ok() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }
    void close() {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = nullptr;
    }

    // Runs one statement with bind parameters; throws DbError unless it succeeds.
    // result_binary asks for every column in binary format.
    Result exec(const std::string &sql, const std::vector<Param> &params = {},
                bool result_binary = false) const;

  private:
    PGconn *conn_ = nullptr;
};

// The value of row r, column c (empty when NULL).
std::string value(const Result &res, int r, int c);
bool is_null(const Result &res, int r, int c);

// Whether s is a UUID in its canonical text form (with or without hyphens).
bool looks_like_uuid(const std::string &s);

// A libpq message as one log line: libpq writes a message's continuation on lines that start
// with a tab, separate messages on lines of their own, and may repeat one (a lost connection).
// Continuations are joined with a space, messages with "; ", repeats dropped.
std::string one_line(const std::string &message);

}  // namespace docextract::cli
