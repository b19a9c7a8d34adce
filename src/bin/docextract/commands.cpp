// docextract status, get, retry, cancel and search: one statement each, row-level security
// deciding what the user sees.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "common.hpp"
#include "output.hpp"

using nlohmann::json;

namespace docextract::cli {

namespace {

[[noreturn]] void bad_option(char **argv) {
    throw UsageError(std::string("invalid option \"") + argv[optind - 1] + "\"");
}

json query_json(const Connection &conn, const std::string &sql, const std::string &id) {
    Result r = conn.exec(sql, {uuid_param(id)});
    if (PQntuples(r.get()) == 0 || is_null(r, 0, 0)) return nullptr;
    return json::parse(value(r, 0, 0));
}

std::string str(const json &j, const char *key) {
    const json &v = j.at(key);
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void print_job(const json &j) {
    std::printf("job %s: %s\n", str(j, "id").c_str(), str(j, "status").c_str());
    std::printf("  document: %s (%s)\n", str(j, "document_id").c_str(),
                str(j, "document_filename").c_str());
    std::printf("  progress: %s %%\n", str(j, "progress_percentage").c_str());
    std::printf("  retries: %s of %s\n", str(j, "retry_count").c_str(), str(j, "max_retries").c_str());
    if (!j.at("holder").is_null()) std::printf("  holder: %s\n", str(j, "holder").c_str());
    if (!j.at("processing_time_seconds").is_null())
        std::printf("  processing time: %.3f s\n", j.at("processing_time_seconds").get<double>());
    if (!j.at("error_message").is_null()) std::printf("  error: %s\n", str(j, "error_message").c_str());
    if (j.value("has_results", false)) std::printf("  results: yes%s\n",
                                                   j.value("no_text_found", false) ? " (no text found)" : "");
    const json &w = j.at("result_warnings");
    if (w.is_array() && !w.empty()) std::printf("  warnings: %s\n", w.dump().c_str());
}

const char *const kJobJson =
    "SELECT pg_catalog.to_jsonb(j)::text FROM docextract.job_overview AS j"
    " WHERE j.id OPERATOR(pg_catalog.=) $1";
const char *const kDocumentJson =
    "SELECT (pg_catalog.to_jsonb(d) OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('jobs',"
    " (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
    "   'id', j.id, 'status', j.status, 'created_at', j.created_at, 'error_message', j.error_message)"
    "   ORDER BY j.created_at, j.id), '[]')"
    "  FROM docextract.job_overview AS j WHERE j.document_id OPERATOR(pg_catalog.=) d.id)))::text"
    " FROM docextract.document_overview AS d WHERE d.id OPERATOR(pg_catalog.=) $1";

const char *const kStatusUsage = R"(Usage: docextract status [OPTION]... [JOB|DOCUMENT]

Without an argument: the number of jobs in each status (the ones you may see). With a job's or a
document's id: that job, or that document and its jobs.

Options:
      --json    print JSON
      --help    show this help, then exit
)";

}  // namespace

int cmd_status(const Global &g, int argc, char **argv) {
    bool as_json = false;
    static const option kLong[] = {{"json", no_argument, nullptr, 'j'},
                                   {"help", no_argument, nullptr, 'H'},
                                   {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
        if (c == 'j') as_json = true;
        else if (c == 'H') return std::fputs(kStatusUsage, stdout), kExitOk;
        else bad_option(argv);
    }
    if (argc - optind > 1) throw UsageError("too many arguments");
    const bool one = argc - optind == 1;
    const std::string id = one ? uuid_arg("job or document id", argv[optind]) : "";
    Connection conn = connect_or_exit(g);

    if (!one) {
        Result r = conn.exec("SELECT q.status, q.jobs, pg_catalog.round(EXTRACT(epoch FROM q.oldest_age))"
                             " FROM docextract.queue_stats AS q"
                             " ORDER BY pg_catalog.array_position('{pending,processing,completed,failed,cancelled}'::text[], q.status)");
        json out = json::object();
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            out[value(r, i, 0)] = std::stoll(value(r, i, 1));
            if (as_json) continue;
            std::printf("%-10s %s", value(r, i, 0).c_str(), value(r, i, 1).c_str());
            if (!is_null(r, i, 2)) std::printf(" (oldest %s s)", value(r, i, 2).c_str());
            std::printf("\n");
        }
        if (as_json) print_json(out);
        return kExitOk;
    }
    if (json j = query_json(conn, kJobJson, id); !j.is_null()) {
        if (as_json) print_json(j);
        else print_job(j);
        return kExitOk;
    }
    if (json d = query_json(conn, kDocumentJson, id); !d.is_null()) {
        if (as_json) {
            print_json(d);
            return kExitOk;
        }
        std::printf("document %s: %s\n", str(d, "id").c_str(), str(d, "original_filename").c_str());
        std::printf("  type: %s, format: %s, %s bytes\n", str(d, "document_type").c_str(),
                    str(d, "file_format").c_str(), str(d, "file_size").c_str());
        if (!d.at("description").is_null()) std::printf("  description: %s\n", str(d, "description").c_str());
        for (const json &job : d.at("jobs"))
            std::printf("  job %s: %s\n", str(job, "id").c_str(), str(job, "status").c_str());
        return kExitOk;
    }
    print_error("no job or document " + id);
    return kExitError;
}

namespace {

const char *const kGetUsage = R"(Usage: docextract get [OPTION]... DOCUMENT

Prints the text extracted from a document (its newest result), its structured fields as JSON, or
writes its original bytes.

Options:
      --text             the extracted text (the default)
      --fields           the structured fields, confidences and details as JSON
      --original         the original file's bytes
  -o, --output=FILE      write to FILE instead of standard output
      --help             show this help, then exit
)";

void write_out(const std::string &path, const std::string &bytes) {
    if (path.empty() || path == "-") {
        std::fwrite(bytes.data(), 1, bytes.size(), stdout);
        std::fflush(stdout);
        return;
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) throw std::runtime_error("could not write \"" + path + "\": " + std::strerror(errno));
}

}  // namespace

int cmd_get(const Global &g, int argc, char **argv) {
    enum class What { text, fields, original } what = What::text;
    std::string output;
    static const option kLong[] = {
        {"text", no_argument, nullptr, 't'},     {"fields", no_argument, nullptr, 'f'},
        {"original", no_argument, nullptr, 'r'}, {"output", required_argument, nullptr, 'o'},
        {"help", no_argument, nullptr, 'H'},     {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:", kLong, nullptr)) != -1) {
        switch (c) {
        case 't': what = What::text; break;
        case 'f': what = What::fields; break;
        case 'r': what = What::original; break;
        case 'o': output = optarg; break;
        case 'H': std::fputs(kGetUsage, stdout); return kExitOk;
        default: bad_option(argv);
        }
    }
    if (argc - optind != 1) throw UsageError("exactly one document id is needed");
    const std::string id = uuid_arg("document id", argv[optind]);
    if (what == What::original && (output.empty() || output == "-") && isatty(STDOUT_FILENO))
        throw UsageError("refusing to write a document's bytes to a terminal; use --output=FILE");
    Connection conn = connect_or_exit(g);

    Result doc = conn.exec("SELECT d.original_filename FROM docextract.documents AS d"
                           " WHERE d.id OPERATOR(pg_catalog.=) $1", {uuid_param(id)});
    if (PQntuples(doc.get()) == 0) {
        print_error("document " + id + " does not exist");
        return kExitError;
    }
    if (what == What::original) {
        Result r = conn.exec("SELECT c.content FROM docextract.document_contents AS c"
                             " WHERE c.document_id OPERATOR(pg_catalog.=) $1",
                             {uuid_param(id)}, true);
        if (PQntuples(r.get()) == 0) {
            print_error("document " + id + " has no content");
            return kExitError;
        }
        write_out(output, value(r, 0, 0));
        return kExitOk;
    }
    // The newest result, as latest_results orders them.
    Result r = conn.exec(what == What::text
                             ? "SELECT x.text FROM docextract.extracted_data AS x"
                               " WHERE x.document_id OPERATOR(pg_catalog.=) $1"
                               " ORDER BY x.created_at DESC, x.id LIMIT 1"
                             : "SELECT docextract.document_fields($1)::text",
                         {uuid_param(id)});
    if (PQntuples(r.get()) == 0 || (what == What::fields && is_null(r, 0, 0))) {
        print_error("document " + id + " has no extraction result yet");
        return kExitError;
    }
    std::string out = value(r, 0, 0);
    if (what == What::fields) out = json::parse(out).dump(2);
    if (out.empty() || out.back() != '\n') out += '\n';
    write_out(output, out);
    return kExitOk;
}

namespace {

int job_control(const Global &g, int argc, char **argv, const char *function, const char *usage) {
    static const option kLong[] = {{"help", no_argument, nullptr, 'H'}, {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
        if (c == 'H') return std::fputs(usage, stdout), kExitOk;
        bad_option(argv);
    }
    if (argc - optind < 1) throw UsageError("no job id given");
    std::vector<std::string> ids;
    for (int i = optind; i < argc; ++i) ids.push_back(uuid_arg("job id", argv[i]));
    Connection conn = connect_or_exit(g);
    int rc = kExitOk;
    for (const std::string &id : ids) {
        try {
            Result r = conn.exec(std::string("SELECT docextract.") + function + "($1)", {uuid_param(id)});
            std::printf("%s: %s\n", id.c_str(), value(r, 0, 0).c_str());
        } catch (const DbError &e) {
            if (e.connection_lost) throw;
            print_db_error(e);
            rc = kExitError;
        }
    }
    return rc;
}

}  // namespace

int cmd_retry(const Global &g, int argc, char **argv) {
    return job_control(g, argc, argv, "retry_job",
                       "Usage: docextract retry JOB...\n\nPuts failed or cancelled jobs back in the "
                       "queue, their retry count reset.\n");
}

int cmd_cancel(const Global &g, int argc, char **argv) {
    return job_control(g, argc, argv, "cancel_job",
                       "Usage: docextract cancel JOB...\n\nCancels pending or processing jobs (a "
                       "running extraction stops within a second).\n");
}

namespace {

const char *const kSearchUsage = R"(Usage: docextract search [OPTION]... QUERY

Searches the extracted text of your documents (websearch syntax: words, "phrases", OR, -word)
and prints the best pages with a snippet.

Options:
  -n, --limit=N    at most N results (default 20)
      --fuzzy      tolerate typos and OCR errors (trigram matching)
      --json       print JSON
      --help       show this help, then exit
)";

}  // namespace

int cmd_search(const Global &g, int argc, char **argv) {
    long limit = 20;
    bool fuzzy = false, as_json = false;
    static const option kLong[] = {
        {"limit", required_argument, nullptr, 'n'}, {"fuzzy", no_argument, nullptr, 'f'},
        {"json", no_argument, nullptr, 'j'},        {"help", no_argument, nullptr, 'H'},
        {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:", kLong, nullptr)) != -1) {
        switch (c) {
        case 'n': limit = parse_long("--limit", optarg, 1, 100000); break;
        case 'f': fuzzy = true; break;
        case 'j': as_json = true; break;
        case 'H': std::fputs(kSearchUsage, stdout); return kExitOk;
        default: bad_option(argv);
        }
    }
    if (argc - optind != 1) throw UsageError("exactly one query is needed (quote it)");
    Connection conn = connect_or_exit(g);
    Result have = conn.exec("SELECT pg_catalog.to_regprocedure('docextract.search(text,integer,boolean)') IS NOT NULL");
    if (value(have, 0, 0) != "t") {
        print_error("the server's docextract extension has no search() function");
        std::fprintf(stderr, "HINT:  Update the extension (ALTER EXTENSION docextract UPDATE).\n");
        return kExitError;
    }
    Result r = conn.exec("SELECT s.document_id, s.original_filename, s.page, s.rank, s.snippet"
                         " FROM docextract.search($1, $2, $3) AS s",
                         {text_param(std::string(argv[optind])), int_param(static_cast<int>(limit)),
                          Param{kBoolOid, std::string(fuzzy ? "t" : "f"), false}});
    json list = json::array();
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        if (as_json) {
            list.push_back({{"document_id", value(r, i, 0)},
                            {"original_filename", value(r, i, 1)},
                            {"page", is_null(r, i, 2) ? json(nullptr) : json(std::stoi(value(r, i, 2)))},
                            {"rank", std::stod(value(r, i, 3))},
                            {"snippet", value(r, i, 4)}});
            continue;
        }
        std::printf("%s (document %s), page %s, rank %s\n    %s\n", value(r, i, 1).c_str(),
                    value(r, i, 0).c_str(), is_null(r, i, 2) ? "-" : value(r, i, 2).c_str(),
                    value(r, i, 3).c_str(), value(r, i, 4).c_str());
    }
    if (as_json) print_json(list);
    return kExitOk;
}

}  // namespace docextract::cli
