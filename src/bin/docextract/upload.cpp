// docextract upload: every file in its own transaction, sent as binary bind parameters; a refused
// file is reported (SQLSTATE and message) and the batch goes on.
#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "output.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace docextract::cli {

namespace {

const char *const kUploadUsage = R"(Usage: docextract upload [OPTION]... FILE|DIR...

Validates, stores and queues each file for extraction; directories are read recursively, in
name order. Each file is uploaded in a transaction of its own: a refused file is reported with
its SQLSTATE and the others go on.

Options:
  -t, --type=TYPE            document type (invoice, receipt, contract, ..., other; default other)
      --description=TEXT     description stored with every file
      --json                 print one JSON document with every file's outcome
  -q, --quiet                print only problems and the summary
      --help                 show this help, then exit

Exit status: 0 every file uploaded (or already there), 1 some file failed, 2 connection or usage.
)";

struct Outcome {
    std::string path;
    std::string status;  // uploaded, already_uploaded, refused, unreadable
    std::string document_id, job_id;
    std::string sqlstate, message, detail;
};

// Regular files under each argument, directories in name order. A missing or special path is an
// outcome of its own, reported in turn.
std::vector<Outcome> collect(const std::vector<std::string> &args) {
    std::vector<Outcome> out;
    for (const std::string &a : args) {
        std::error_code ec;
        const fs::file_status st = fs::status(a, ec);
        if (fs::is_directory(st)) {
            std::vector<std::string> found;
            fs::recursive_directory_iterator it(a, fs::directory_options::skip_permission_denied, ec), end;
            for (; !ec && it != end; it.increment(ec))
                if (it->is_regular_file(ec)) found.push_back(it->path().string());
            if (ec) out.push_back({a, "unreadable", "", "", "", "cannot read the directory: " + ec.message(), ""});
            std::sort(found.begin(), found.end());
            for (auto &f : found) out.push_back({f, "", "", "", "", "", ""});
        } else if (fs::is_regular_file(st)) {
            out.push_back({a, "", "", "", "", "", ""});
        } else {
            const bool missing = st.type() == fs::file_type::not_found ||
                                 ec == std::errc::no_such_file_or_directory;
            const std::string why = missing ? "no such file or directory"
                                    : ec    ? "cannot read the file: " + ec.message()
                                            : "not a regular file or directory";
            out.push_back({a, "unreadable", "", "", "", why, ""});
        }
    }
    return out;
}

bool read_file(const std::string &path, std::string &bytes, std::string &error) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        error = "cannot read the file: " + std::string(std::strerror(errno));
        return false;
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    if (f.bad()) {
        error = "cannot read the file: " + std::string(std::strerror(errno));
        return false;
    }
    bytes = ss.str();
    return true;
}

// NOTICEs of the current upload: "document already uploaded" tells a duplicate.
void collect_notice(void *arg, const PGresult *res) {
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (msg != nullptr) static_cast<std::vector<std::string> *>(arg)->push_back(msg);
}

void upload_one(Connection &conn, Outcome &o, const std::string &type,
                const std::optional<std::string> &description, std::vector<std::string> &notices) {
    std::string bytes, error;
    if (!read_file(o.path, bytes, error)) {
        o.status = "unreadable";
        o.message = error;
        return;
    }
    notices.clear();
    try {
        conn.exec("BEGIN");
        Result r = conn.exec("SELECT docextract.upload($1, $2, $3, $4)",
                             {text_param(fs::path(o.path).filename().string()),
                              bytea_param(std::move(bytes)), text_param(type),
                              text_param(description)});
        o.document_id = value(r, 0, 0);
        Result j = conn.exec("SELECT j.id FROM docextract.extraction_jobs AS j"
                             " WHERE j.document_id OPERATOR(pg_catalog.=) $1"
                             " ORDER BY j.created_at DESC, j.id LIMIT 1",
                             {uuid_param(o.document_id)});
        if (PQntuples(j.get()) == 1) o.job_id = value(j, 0, 0);
        conn.exec("COMMIT");
        o.status = "uploaded";
        for (const auto &n : notices)
            if (n == "document already uploaded") o.status = "already_uploaded";
    } catch (const DbError &e) {
        if (!e.connection_lost) {
            try {
                conn.exec("ROLLBACK");
            } catch (const DbError &) {
            }
        }
        if (e.connection_lost) throw;
        o.status = "refused";
        o.sqlstate = e.sqlstate;
        o.message = e.what();
        o.detail = e.detail;
        o.document_id.clear();
        o.job_id.clear();
    }
}

std::string describe(const Outcome &o) {
    if (o.status == "uploaded")
        return "uploaded: " + o.path + " -> document " + o.document_id + ", job " + o.job_id;
    if (o.status == "already_uploaded")
        return "already uploaded: " + o.path + " -> document " + o.document_id;
    std::string s = o.status + ": " + o.path + ": ";
    if (!o.sqlstate.empty()) s += o.sqlstate + " ";
    s += o.message;
    if (!o.detail.empty()) s += " (" + o.detail + ")";
    return s;
}

json to_json(const Outcome &o) {
    json j = {{"path", o.path}, {"status", o.status}};
    j["document_id"] = o.document_id.empty() ? json(nullptr) : json(o.document_id);
    j["job_id"] = o.job_id.empty() ? json(nullptr) : json(o.job_id);
    if (o.status == "refused" || o.status == "unreadable") {
        j["sqlstate"] = o.sqlstate.empty() ? json(nullptr) : json(o.sqlstate);
        j["message"] = o.message;
        j["detail"] = o.detail.empty() ? json(nullptr) : json(o.detail);
    }
    return j;
}

}  // namespace

int cmd_upload(const Global &g, int argc, char **argv) {
    std::string type = "other";
    std::optional<std::string> description;
    bool as_json = false, quiet = false;
    static const option kLong[] = {
        {"type", required_argument, nullptr, 't'}, {"description", required_argument, nullptr, 'D'},
        {"json", no_argument, nullptr, 'j'},       {"quiet", no_argument, nullptr, 'q'},
        {"help", no_argument, nullptr, 'H'},       {nullptr, 0, nullptr, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "t:q", kLong, nullptr)) != -1) {
        switch (c) {
        case 't': type = optarg; break;
        case 'D': description = optarg; break;
        case 'j': as_json = true; break;
        case 'q': quiet = true; break;
        case 'H': std::fputs(kUploadUsage, stdout); return kExitOk;
        default: throw UsageError(std::string("invalid option \"") + argv[optind - 1] + "\"");
        }
    }
    if (optind >= argc) throw UsageError("no files given");
    std::vector<std::string> args(argv + optind, argv + argc);
    std::vector<Outcome> files = collect(args);

    Connection conn = connect_or_exit(g);
    std::vector<std::string> notices;
    PQsetNoticeReceiver(conn.get(), collect_notice, &notices);

    const bool plain = !as_json;
    ProgressBar bar(plain && stderr_is_terminal(), files.size());
    std::size_t uploaded = 0, duplicates = 0, failed = 0, done = 0;
    bool lost = false;
    for (Outcome &o : files) {
        bar.update(done, o.path);
        if (o.status.empty() && !lost) {
            try {
                upload_one(conn, o, type, description, notices);
            } catch (const DbError &e) {
                // The connection went away: one new session for this file, then give up.
                PQreset(conn.get());
                try {
                    if (!conn.ok()) throw;
                    conn.exec("SET search_path = pg_catalog, pg_temp");
                    upload_one(conn, o, type, description, notices);
                } catch (const DbError &e2) {
                    lost = true;
                    o.status = "failed";
                    o.message = "connection lost: " + std::string(e2.what());
                }
            }
        } else if (o.status.empty()) {
            o.status = "failed";
            o.message = "not attempted: the connection was lost";
        }
        ++done;
        const bool ok = o.status == "uploaded" || o.status == "already_uploaded";
        if (o.status == "uploaded") ++uploaded;
        else if (o.status == "already_uploaded") ++duplicates;
        else ++failed;
        // On a terminal the bar stands for the files that went well; problems are always said.
        if (plain && (!ok || (!quiet && !bar.enabled()))) {
            bar.clear();
            std::FILE *to = ok ? stdout : stderr;
            std::fprintf(to, "%s\n", describe(o).c_str());
            std::fflush(to);
        }
    }
    bar.clear();
    if (as_json) {
        json list = json::array();
        for (const Outcome &o : files) list.push_back(to_json(o));
        print_json({{"files", list},
                    {"summary", {{"files", files.size()}, {"uploaded", uploaded},
                                 {"already_uploaded", duplicates}, {"failed", failed}}}});
    } else {
        std::printf("%zu files: %zu uploaded, %zu already uploaded, %zu failed\n", files.size(),
                    uploaded, duplicates, failed);
    }
    if (lost) return kExitConnection;
    return failed == 0 ? kExitOk : kExitError;
}

}  // namespace docextract::cli
