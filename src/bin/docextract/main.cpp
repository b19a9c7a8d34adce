// docextract: the command-line client of the docextract extension (upload, status, wait, get,
// search, retry, cancel) and its external extraction worker.
#include <getopt.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "common.hpp"

namespace docextract::cli {

namespace {

const char *const kUsage = R"(docextract is the command-line client of the docextract PostgreSQL extension.

Usage:
  docextract [CONNECTION-OPTION]... COMMAND [OPTION]... [ARG]...

Commands:
  upload FILE|DIR...     validate, store and queue files (directories recursively)
  status [JOB|DOCUMENT]  the queue, or one job or document
  wait JOB...            wait until jobs are completed, failed or cancelled
  get DOCUMENT           the extracted text, the fields (JSON) or the original file
  search QUERY           full-text search of the extracted text
  retry JOB              queue a failed or cancelled job again
  cancel JOB             cancel a pending or processing job
  worker                 run an external extraction worker

Connection options:
  -d, --dbname=DBNAME      database name or connection string (key=value or URI)
  -h, --host=HOSTNAME      database server host or socket directory
  -p, --port=PORT          database server port
  -U, --username=USERNAME  database user name
  -w, --no-password        never prompt for a password (the default: use PGPASSWORD or ~/.pgpass)

Other options:
  -V, --version            output version information, then exit
  -?, --help               show this help, then exit
  docextract COMMAND --help shows the options of a command.

Every libpq parameter may be given in the connection string or as a PG* environment variable.
Unless given, the connection uses sslmode=prefer, keepalives=1, keepalives_idle=30,
keepalives_interval=10, keepalives_count=5, tcp_user_timeout=80000 and connect_timeout=10.

Exit status: 0 success, 1 an error (a file refused, a job failed), 2 a connection or usage error.
)";

}  // namespace

void print_error(const std::string &message) {
    std::fprintf(stderr, "docextract: error: %s\n", message.c_str());
}

void print_db_error(const DbError &e) {
    print_error(e.sqlstate.empty() ? e.what() : e.sqlstate + ": " + e.what());
    if (!e.detail.empty()) std::fprintf(stderr, "DETAIL:  %s\n", e.detail.c_str());
    if (!e.hint.empty()) std::fprintf(stderr, "HINT:  %s\n", e.hint.c_str());
}

Connection connect_or_exit(const Global &g) {
    try {
        return Connection::open(g.conn);
    } catch (const DbError &e) {
        print_error(e.what());
        std::exit(kExitConnection);
    }
}

long parse_long(const std::string &option, const char *value, long lo, long hi) {
    errno = 0;
    char *end = nullptr;
    const long v = std::strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < lo || v > hi)
        throw UsageError("invalid value \"" + std::string(value) + "\" for " + option +
                         ": must be an integer from " + std::to_string(lo) + " to " +
                         std::to_string(hi));
    return v;
}

double parse_seconds(const std::string &option, const char *value) {
    errno = 0;
    char *end = nullptr;
    const double v = std::strtod(value, &end);
    if (errno != 0 || end == value || *end != '\0' || !std::isfinite(v) || v < 0 || v > 86400 * 365)
        throw UsageError("invalid value \"" + std::string(value) + "\" for " + option +
                         ": must be a number of seconds");
    return v;
}

std::string uuid_arg(const std::string &what, const char *value) {
    if (!looks_like_uuid(value))
        throw UsageError("invalid " + what + " \"" + std::string(value) + "\": not a UUID");
    return value;
}

}  // namespace docextract::cli

using namespace docextract::cli;

int main(int argc, char **argv) {
    Global g;
    static const option kLong[] = {
        {"dbname", required_argument, nullptr, 'd'},  {"host", required_argument, nullptr, 'h'},
        {"port", required_argument, nullptr, 'p'},    {"username", required_argument, nullptr, 'U'},
        {"no-password", no_argument, nullptr, 'w'},   {"version", no_argument, nullptr, 'V'},
        {"help", no_argument, nullptr, '?'},          {nullptr, 0, nullptr, 0},
    };
    opterr = 0;
    int c;
    // '+': options end at the command; what follows belongs to it.
    while ((c = getopt_long(argc, argv, "+d:h:p:U:wV?", kLong, nullptr)) != -1) {
        switch (c) {
        case 'd': g.conn.dbname = optarg; break;
        case 'h': g.conn.host = optarg; break;
        case 'p': g.conn.port = optarg; break;
        case 'U': g.conn.user = optarg; break;
        case 'w': break;  // a password is never prompted for
        case 'V': std::printf("docextract (docextract) %s\n", DOCEXTRACT_VERSION); return kExitOk;
        case '?':
            if (optopt == 0 || optopt == '?') {
                std::fputs(kUsage, stdout);
                return kExitOk;
            }
            [[fallthrough]];
        default:
            print_error(std::string("invalid option \"") + argv[optind - 1] + "\"");
            std::fprintf(stderr, "Try \"docextract --help\" for more information.\n");
            return kExitUsage;
        }
    }
    if (optind >= argc) {
        print_error("no command given");
        std::fprintf(stderr, "Try \"docextract --help\" for more information.\n");
        return kExitUsage;
    }
    const std::string cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0;  // getopt_long starts afresh on the subcommand's arguments
    try {
        if (cmd == "upload") return cmd_upload(g, sub_argc, sub_argv);
        if (cmd == "status") return cmd_status(g, sub_argc, sub_argv);
        if (cmd == "wait") return cmd_wait(g, sub_argc, sub_argv);
        if (cmd == "get") return cmd_get(g, sub_argc, sub_argv);
        if (cmd == "retry") return cmd_retry(g, sub_argc, sub_argv);
        if (cmd == "cancel") return cmd_cancel(g, sub_argc, sub_argv);
        if (cmd == "search") return cmd_search(g, sub_argc, sub_argv);
        if (cmd == "worker") return cmd_worker(g, sub_argc, sub_argv);
        if (cmd == "help") {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
        throw UsageError("unknown command \"" + cmd + "\"");
    } catch (const UsageError &e) {
        print_error(e.what());
        std::fprintf(stderr, "Try \"docextract %s--help\" for more information.\n",
                     cmd == "upload" || cmd == "status" || cmd == "wait" || cmd == "get" ||
                             cmd == "retry" || cmd == "cancel" || cmd == "search" || cmd == "worker"
                         ? (cmd + " ").c_str()
                         : "");
        return kExitUsage;
    } catch (const DbError &e) {
        print_db_error(e);
        return e.connection_lost ? kExitConnection : kExitError;
    } catch (const std::exception &e) {
        print_error(e.what());
        return kExitError;
    }
}
