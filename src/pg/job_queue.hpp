// The worker's side of the queue: short transactions that call the SQL worker API
// (claim_jobs, complete_job, fail_job, release_job, reclaim_jobs). Each function runs its own
// transaction, logs a failure instead of raising it, and reports whether it succeeded.
#pragma once

#include "pg/postgres_headers.hpp"

extern "C" {
#include "utils/uuid.h"
}

namespace docextract::pg {

struct ClaimedJob {
    pg_uuid_t job_id;
    pg_uuid_t document_id;
    pg_uuid_t claim_token;
    char file_format[8];
    char document_type[32];  // as declared at upload: a hint for the field extractors
    bool refresh_fields;     // kind refresh_fields: content is the stored result, not the document
    char *content;     // palloc'd in the worker's job context
    Size content_len;
};

// The worker API's "your claim is stale" (docs: README, SQLSTATEs).
#define ERRCODE_DOCEXTRACT_STALE_CLAIM MAKE_SQLSTATE('X', 'D', '0', '0', '1')

enum class ClaimState { held, lost, unknown, extension_gone };

// Makes the worker's session belong to the role docextract_worker (never a superuser) and runs
// every later transaction of the worker as that role, unable to switch back, with search_path
// pinned. False (logged) if the role is missing or is a superuser.
bool become_worker_role();
bool claim_next_job(const char *worker_name, ClaimedJob *job);
// The helper's input: the document's bytes, or for a refresh_fields job its stored result
// (docextract.refresh_source()).
bool load_content(ClaimedJob *job, MemoryContext into);
bool complete_job(const ClaimedJob *job, const char *result_json);
// Returns the job's new status ("pending" or "failed") in status, or false.
bool fail_job(const ClaimedJob *job, const char *error, bool retryable, char *status, Size len);
bool release_job(const ClaimedJob *job);
// Jobs reclaimed and committed.
int reclaim_jobs();
// If jobs of the database ended since the last announcement, sends NOTIFY docextract_jobs (no
// payload) in a transaction of its own. A failure (full notification queue) is retried later
// and logged once, as is the recovery.
void announce_ended_jobs(Oid dboid);
ClaimState check_claim(const ClaimedJob *job, int pages_done, int pages_total, bool heartbeat);
// Whether docextract.workers keeps the in-server workers off this database, as the catalog says
// now (ALTER DATABASE, else ALTER ROLE ALL ... SET, else server_mode): the session's own value
// is from its start.
bool kept_off_by_setting(int server_mode);
// Whether the extension is installed (and not being dropped) in this database.
bool extension_present();
// Whether the database's docextract is the version this library was built for
// (DOCEXTRACT_EXTVERSION); if not, sets *installed to the database's version and *dbname to the
// database's name (both palloc'd in the caller's context).
bool extension_current(char **installed, char **dbname);
// What pg_stat_activity shows while no transaction runs, e.g. the job being extracted (the
// string must outlive the call); null for idle.
void set_worker_activity(const char *activity);

}  // namespace docextract::pg
