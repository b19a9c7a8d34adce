// What every subcommand of the docextract command shares: the connection given on the command
// line, psql's exit codes and its message format.
#pragma once

#include <stdexcept>
#include <string>

#include "db.hpp"

namespace docextract::cli {

// psql's exit statuses: 0 success, 1 an error of the command, 2 a bad connection or bad usage.
constexpr int kExitOk = 0, kExitError = 1, kExitConnection = 2, kExitUsage = 2;

struct Global {
    ConnSpec conn;
};

// A mistake on the command line: reported with a pointer to --help, exit status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "docextract: error: MESSAGE" on stderr, as psql writes them.
void print_error(const std::string &message);
void print_db_error(const DbError &e);

// Opens the session of a subcommand; a failure is reported and exits with status 2.
Connection connect_or_exit(const Global &g);

// The subcommands: argv[0] is the subcommand's name, the rest its arguments.
int cmd_upload(const Global &g, int argc, char **argv);
int cmd_status(const Global &g, int argc, char **argv);
int cmd_wait(const Global &g, int argc, char **argv);
int cmd_get(const Global &g, int argc, char **argv);
int cmd_retry(const Global &g, int argc, char **argv);
int cmd_cancel(const Global &g, int argc, char **argv);
int cmd_search(const Global &g, int argc, char **argv);
int cmd_worker(const Global &g, int argc, char **argv);

// Integer option values, checked against a range (UsageError otherwise).
long parse_long(const std::string &option, const char *value, long lo, long hi);
double parse_seconds(const std::string &option, const char *value);

// A UUID argument, checked locally (UsageError otherwise).
std::string uuid_arg(const std::string &what, const char *value);

}  // namespace docextract::cli
