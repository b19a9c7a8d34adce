#include "db.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <set>

namespace docextract::cli {

namespace {

std::string trim_newlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

const char *field(const PGresult *r, int code) {
    const char *v = PQresultErrorField(r, code);
    return v != nullptr ? v : "";
}

// The keywords a connection string or URI sets explicitly (empty for a plain database name).
std::set<std::string> explicit_keywords(const std::string &dbname, std::string *service) {
    std::set<std::string> keys;
    char *err = nullptr;
    PQconninfoOption *opts = PQconninfoParse(dbname.c_str(), &err);
    if (err != nullptr) PQfreemem(err);
    if (opts == nullptr) return keys;  // a database name, or a string libpq will reject itself
    for (PQconninfoOption *o = opts; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || *o->val == '\0') continue;
        keys.insert(o->keyword);
        if (std::strcmp(o->keyword, "service") == 0) *service = o->val;
    }
    PQconninfoFree(opts);
    return keys;
}

// What libpq would use without us: PG* variables and the service file (compiled-in defaults
// included). A service named in the connection string is looked up as if PGSERVICE named it.
std::optional<std::string> libpq_default(const std::string &keyword, const std::string &service) {
    const char *old = std::getenv("PGSERVICE");
    const std::string saved = old != nullptr ? old : "";
    if (!service.empty()) setenv("PGSERVICE", service.c_str(), 1);
    std::optional<std::string> out;
    if (PQconninfoOption *opts = PQconndefaults()) {
        for (PQconninfoOption *o = opts; o->keyword != nullptr; ++o)
            if (keyword == o->keyword && o->val != nullptr) out = o->val;
        PQconninfoFree(opts);
    }
    if (!service.empty()) {
        if (old != nullptr) setenv("PGSERVICE", saved.c_str(), 1);
        else unsetenv("PGSERVICE");
    }
    return out;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>> &connection_defaults() {
    static const std::vector<std::pair<std::string, std::string>> kDefaults = {
        {"sslmode", "prefer"},       {"keepalives", "1"},
        {"keepalives_idle", "30"},   {"keepalives_interval", "10"},
        {"keepalives_count", "5"},   {"connect_timeout", "10"},
        // Keepalives only watch an idle connection: a query sent into a cut link would wait for
        // TCP's retransmissions (about 15 minutes), with a worker's helper unwatched meanwhile.
        // The same 80 s of silence as the keepalives (30 + 5 x 10 s) ends it instead.
        {"tcp_user_timeout", "80000"},
    };
    return kDefaults;
}

std::vector<std::pair<std::string, std::string>> connection_params(const ConnSpec &spec) {
    std::string service;
    std::set<std::string> given = explicit_keywords(spec.dbname, &service);
    if (!spec.host.empty()) given.insert("host");
    if (!spec.port.empty()) given.insert("port");
    if (!spec.user.empty()) given.insert("user");

    std::vector<std::pair<std::string, std::string>> params;
    // Ours apply only where the user has said nothing: a value from PGSSLMODE,
    // PGCONNECT_TIMEOUT or the service file that differs from ours wins.
    for (const auto &[key, val] : connection_defaults()) {
        if (given.count(key) != 0) continue;
        const auto theirs = libpq_default(key, service);
        if (theirs && *theirs != val) continue;
        params.emplace_back(key, val);
    }
    params.emplace_back("fallback_application_name", spec.application_name);
    if (!spec.host.empty()) params.emplace_back("host", spec.host);
    if (!spec.port.empty()) params.emplace_back("port", spec.port);
    if (!spec.user.empty()) params.emplace_back("user", spec.user);
    // Last and expanded: a connection string's keywords override everything before them.
    if (!spec.dbname.empty()) params.emplace_back("dbname", spec.dbname);
    return params;
}

std::string DbError::describe() const {
    std::string s = sqlstate.empty() ? what() : sqlstate + ": " + what();
    if (!detail.empty()) s += " (" + detail + ")";
    return s;
}

Param text_param(std::optional<std::string> v) { return Param{kTextOid, std::move(v), true}; }
Param bytea_param(std::string bytes) { return Param{kByteaOid, std::move(bytes), true}; }
Param uuid_param(const std::string &uuid) { return Param{kUuidOid, uuid, false}; }
Param int_param(int v) { return Param{kInt4Oid, std::to_string(v), false}; }

Connection Connection::open(const ConnSpec &spec) { return open(connection_params(spec)); }

Connection Connection::open(const std::vector<std::pair<std::string, std::string>> &params) {
    std::vector<const char *> keys, vals;
    for (const auto &[k, v] : params) {
        keys.push_back(k.c_str());
        vals.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    vals.push_back(nullptr);
    Connection c(PQconnectdbParams(keys.data(), vals.data(), 1));
    if (c.conn_ == nullptr) throw DbError("out of memory", "", "", "", true);
    if (PQstatus(c.conn_) != CONNECTION_OK)
        throw DbError(trim_newlines(PQerrorMessage(c.conn_)), "", "", "", true);
    // Every name in our SQL is schema-qualified; the pinned path makes sure of it.
    c.exec("SET search_path = pg_catalog, pg_temp");
    return c;
}

Result Connection::exec(const std::string &sql, const std::vector<Param> &params,
                        bool result_binary) const {
    std::vector<unsigned> types;
    std::vector<const char *> values;
    std::vector<int> lengths, formats;
    for (const Param &p : params) {
        types.push_back(p.type);
        values.push_back(p.value ? p.value->data() : nullptr);
        lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
        formats.push_back(p.binary ? 1 : 0);
    }
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(),
                          values.data(), lengths.data(), formats.data(), result_binary ? 1 : 0));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    const bool lost = PQstatus(conn_) != CONNECTION_OK;
    if (!r || *field(r.get(), PG_DIAG_SQLSTATE) == '\0')
        throw DbError(trim_newlines(PQerrorMessage(conn_)), "", "", "", lost);
    throw DbError(field(r.get(), PG_DIAG_MESSAGE_PRIMARY), field(r.get(), PG_DIAG_SQLSTATE),
                  field(r.get(), PG_DIAG_MESSAGE_DETAIL), field(r.get(), PG_DIAG_MESSAGE_HINT),
                  lost);
}

std::string value(const Result &res, int r, int c) {
    if (PQgetisnull(res.get(), r, c)) return {};
    return std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c));
}

bool is_null(const Result &res, int r, int c) { return PQgetisnull(res.get(), r, c) != 0; }

bool looks_like_uuid(const std::string &s) {
    int hex = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char ch = static_cast<unsigned char>(s[i]);
        if (std::isxdigit(ch)) ++hex;
        else if (ch != '-' || (i != 8 && i != 13 && i != 18 && i != 23)) return false;
    }
    return hex == 32 && (s.size() == 32 || s.size() == 36);
}

std::string one_line(const std::string &message) {
    std::vector<std::string> messages;
    std::size_t pos = 0;
    while (pos <= message.size()) {
        std::size_t end = message.find('\n', pos);
        if (end == std::string::npos) end = message.size();
        std::string line = message.substr(pos, end - pos);
        const bool continuation = !line.empty() && line[0] == '\t';
        const std::size_t first = line.find_first_not_of(" \t\r");
        line = first == std::string::npos ? "" : line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (!line.empty()) {
            if (continuation && !messages.empty()) messages.back() += " " + line;
            else messages.push_back(line);
        }
        pos = end + 1;
    }
    std::vector<std::string> kept;
    for (const std::string &m : messages)
        if (std::find(kept.begin(), kept.end(), m) == kept.end()) kept.push_back(m);
    std::string out;
    for (const std::string &m : kept) out += (out.empty() ? "" : "; ") + m;
    return out;
}

}  // namespace docextract::cli
