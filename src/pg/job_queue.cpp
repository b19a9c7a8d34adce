#include "pg/job_queue.hpp"

#include "pg/database_setting.hpp"
#include "pg/guc.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
}

namespace docextract::pg {

namespace {

enum class TxResult { ok, failed, stale_claim };

// What pg_stat_activity shows between the worker's transactions (null: idle).
const char *worker_activity = nullptr;

// The role the worker's SQL runs as (docextract_worker), once become_worker_role() succeeded.
Oid worker_role = InvalidOid;

// Every transaction of the worker runs as worker_role with the user id locked, as inside a
// SECURITY DEFINER call: it cannot SET ROLE or SET SESSION AUTHORIZATION back to the superuser
// the worker connected as. (Not a security-restricted operation: that would refuse deferred
// triggers, which an administrator may legitimately put on the tables.) search_path is pinned
// again first: ALTER DATABASE ... SET search_path reaches background workers, and nothing a
// database owner creates may be found by name.
void enter_worker_context() {
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION);
    if (OidIsValid(worker_role)) SetUserIdAndSecContext(worker_role, SECURITY_LOCAL_USERID_CHANGE);
}

// Before commit (an abort restores the context by itself).
void leave_worker_context() {
    if (OidIsValid(worker_role)) SetUserIdAndSecContext(worker_role, 0);
}

// Runs body in a transaction of its own, with SPI connected, a snapshot, the worker statement
// timeout and pg_stat_activity showing activity. A PostgreSQL error in body rolls the
// transaction back and is logged (the worker goes on), except a stale claim (SQLSTATE XD001 from
// the worker API), which is an answer, not a failure. The caller's memory context is restored on
// both paths: a transaction's end would otherwise leave TopMemoryContext current, where whatever
// the worker allocates next would stay for good. body must not hold C++ objects with destructors:
// an error longjmps out of it.
template <typename Body>
TxResult in_transaction(const char *activity, const char *what, Body &&body, bool log_failure = true) {
    MemoryContext caller = CurrentMemoryContext;
    volatile TxResult result = TxResult::ok;
    PG_TRY();
    {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        enter_worker_context();
        SPI_connect();
        PushActiveSnapshot(GetTransactionSnapshot());
        pgstat_report_activity(STATE_RUNNING, activity);
        if (guc_worker_statement_timeout_ms > 0)
            enable_timeout_after(STATEMENT_TIMEOUT, guc_worker_statement_timeout_ms);
        body();
        disable_timeout(STATEMENT_TIMEOUT, false);
        SPI_finish();
        PopActiveSnapshot();
        leave_worker_context();
        CommitTransactionCommand();
        MemoryContextSwitchTo(caller);
        pgstat_report_stat(false);
    }
    PG_CATCH();
    {
        disable_timeout(STATEMENT_TIMEOUT, false);
        MemoryContextSwitchTo(caller);
        ErrorData *edata = CopyErrorData();
        FlushErrorState();
        AbortCurrentTransaction();
        MemoryContextSwitchTo(caller);
        if (edata->sqlerrcode == ERRCODE_DOCEXTRACT_STALE_CLAIM) {
            result = TxResult::stale_claim;
        } else if (!log_failure) {
            result = TxResult::failed;
        } else {
            ereport(LOG, (errcode(edata->sqlerrcode),
                          errmsg("docextract worker could not %s: %s", what, edata->message),
                          edata->detail ? errdetail_internal("%s", edata->detail) : 0));
            result = TxResult::failed;
        }
        FreeErrorData(edata);
    }
    PG_END_TRY();
    pgstat_report_activity(worker_activity ? STATE_RUNNING : STATE_IDLE, worker_activity);
    return result;
}

// One call of the worker API, whose result must be a single row.
void call(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls = nullptr) {
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "%s failed: %s", sql, SPI_result_code_string(rc));
}

Datum uuid_datum(const pg_uuid_t *u) { return UUIDPGetDatum(const_cast<pg_uuid_t *>(u)); }

void copy_uuid(int column, pg_uuid_t *out) {
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, &isnull);
    memcpy(out, DatumGetUUIDP(d), sizeof(pg_uuid_t));
}

}  // namespace

bool become_worker_role() {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    const Oid role = get_role_oid("docextract_worker", true);
    const bool super = OidIsValid(role) && superuser_arg(role);
    CommitTransactionCommand();
    if (!OidIsValid(role)) {
        ereport(LOG, (errcode(ERRCODE_UNDEFINED_OBJECT),
                      errmsg("docextract worker cannot start: role \"docextract_worker\" does not exist"),
                      errhint("Run ALTER EXTENSION docextract UPDATE or recreate the extension.")));
        return false;
    }
    if (super) {
        ereport(LOG, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                      errmsg("docextract worker refuses to run as a superuser"),
                      errdetail("Role \"docextract_worker\" has the SUPERUSER attribute, and the "
                                "workers run as that role."),
                      errhint("Run ALTER ROLE docextract_worker NOSUPERUSER.")));
        return false;
    }
    // From here on the session is the worker role's, as if it had logged in: session_user,
    // current_user and every privilege check. The connection was made as the bootstrap
    // superuser only because PostgreSQL 15 lets a background worker connect as a role only if
    // that role may log in, and docextract_worker may not.
    SetSessionAuthorization(role, false);
    worker_role = role;
    return true;
}

void set_worker_activity(const char *activity) {
    worker_activity = activity;
    pgstat_report_activity(activity ? STATE_RUNNING : STATE_IDLE, activity);
}

bool extension_present() {
    bool present = false;
    // Catalog access needs a transaction; there is nothing to log if it fails (the caller just
    // sees "absent" and stops).
    in_transaction("checking the extension", "check for the extension",
                   [&] { present = OidIsValid(get_extension_oid("docextract", true)); });
    return present;
}

bool kept_off_by_setting(int server_mode) {
    bool kept_off = false;
    in_transaction("checking docextract.workers", "check docextract.workers", [&] {
        kept_off = workers_mode_of(MyDatabaseId, workers_mode_default(server_mode)) != workers_all;
    });
    return kept_off;
}

bool extension_current(char **installed, char **dbname) {
    bool current = false;
    MemoryContext caller = CurrentMemoryContext;
    in_transaction("checking the extension version", "check the extension version", [&] {
        call("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'docextract'", 0,
             nullptr, nullptr);
        if (SPI_processed != 1) return;
        char *version = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        current = strcmp(version, DOCEXTRACT_EXTVERSION) == 0;
        if (current) return;
        *installed = MemoryContextStrdup(caller, version);
        *dbname = MemoryContextStrdup(caller, get_database_name(MyDatabaseId));
    });
    return current;
}

bool claim_next_job(const char *worker_name, ClaimedJob *job) {
    bool claimed = false;
    in_transaction("claiming a job", "claim a job", [&] {
        if (!OidIsValid(get_extension_oid("docextract", true))) return;  // dropped: no error
        Oid types[1] = {TEXTOID};
        Datum values[1] = {CStringGetTextDatum(worker_name)};
        call("SELECT job_id, document_id, claim_token, file_format, document_type, kind "
             "FROM docextract.claim_jobs($1, 1)", 1, types, values);
        if (SPI_processed == 1) {
            copy_uuid(1, &job->job_id);
            copy_uuid(2, &job->document_id);
            copy_uuid(3, &job->claim_token);
            char *format = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
            strlcpy(job->file_format, format, sizeof job->file_format);
            char *type = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
            strlcpy(job->document_type, type != nullptr ? type : "other", sizeof job->document_type);
            char *kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6);
            job->refresh_fields = kind != nullptr && strcmp(kind, "refresh_fields") == 0;
            job->content = nullptr;
            job->content_len = 0;
            claimed = true;
        }
    });
    return claimed;
}

bool load_content(ClaimedJob *job, MemoryContext into) {
    bool loaded = false;
    in_transaction(job->refresh_fields ? "reading a stored result" : "reading a document",
                   job->refresh_fields ? "read a stored result" : "read a document", [&] {
        Oid types[2] = {UUIDOID, UUIDOID};
        Datum values[2] = {uuid_datum(&job->document_id), uuid_datum(&job->claim_token)};
        if (job->refresh_fields) {
            values[0] = uuid_datum(&job->job_id);
            call("SELECT pg_catalog.convert_to(docextract.refresh_source($1, $2)::pg_catalog.text, 'UTF8')",
                 2, types, values);
        } else {
            call("SELECT c.content FROM docextract.document_contents AS c "
                 "WHERE c.document_id OPERATOR(pg_catalog.=) $1", 1, types, values);
        }
        bool isnull = true;
        Datum d = SPI_processed == 1
                      ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
                      : (Datum) 0;
        if (!isnull) {
            MemoryContext old = MemoryContextSwitchTo(into);
            bytea *bytes = DatumGetByteaPCopy(d);
            MemoryContextSwitchTo(old);
            job->content = VARDATA(bytes);
            job->content_len = VARSIZE(bytes) - VARHDRSZ;
            loaded = true;
        }
    });
    return loaded;
}

bool complete_job(const ClaimedJob *job, const char *result_json) {
    return in_transaction("storing a result", "store a result", [&] {
               Oid types[3] = {UUIDOID, UUIDOID, TEXTOID};
               Datum values[3] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                                  CStringGetTextDatum(result_json)};
               call("SELECT docextract.complete_job($1, $2, $3::jsonb)", 3, types, values);
           }) == TxResult::ok;
}

bool fail_job(const ClaimedJob *job, const char *error, bool retryable, char *status, Size len) {
    return in_transaction("recording a failure", "record a failure", [&] {
               Oid types[4] = {UUIDOID, UUIDOID, TEXTOID, BOOLOID};
               Datum values[4] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                                  CStringGetTextDatum(error), BoolGetDatum(retryable)};
               call("SELECT docextract.fail_job($1, $2, $3, $4)", 4, types, values);
               strlcpy(status, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), len);
           }) == TxResult::ok;
}

bool release_job(const ClaimedJob *job) {
    return in_transaction("releasing a job", "release a job", [&] {
               Oid types[2] = {UUIDOID, UUIDOID};
               Datum values[2] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token)};
               call("SELECT docextract.release_job($1, $2)", 2, types, values);
           }) == TxResult::ok;
}

int reclaim_jobs() {
    int reclaimed = 0;
    const TxResult r = in_transaction("reclaiming jobs of stopped holders", "reclaim jobs", [&] {
        call("SELECT docextract.reclaim_jobs()", 0, nullptr, nullptr);
        bool isnull;
        reclaimed = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    });
    return r == TxResult::ok ? reclaimed : 0;  // only what was committed counts
}

void announce_ended_jobs(Oid dboid) {
    static bool failing = false;
    uint64 ended;
    if (!jobs_ended_since_announced(dboid, &ended)) return;
    // No payload: any role may LISTEN on any channel, so the event says only that some job of
    // this database ended. Listeners look at the jobs they may see (row-level security), and a
    // NOTIFY anyone else sends is as harmless as this one. The job's own transaction has
    // committed long before: a full notification queue fails this one alone.
    const bool ok = in_transaction("announcing ended jobs", "announce ended jobs", [&] {
        call("SELECT pg_catalog.pg_notify('docextract_jobs', '')", 0, nullptr, nullptr);
    }, false) == TxResult::ok;
    if (ok) mark_jobs_announced(dboid, ended);
    if (ok == failing) {  // log the change, not every attempt
        failing = !ok;
        ereport(LOG, (errmsg(failing ? "docextract workers cannot send NOTIFY docextract_jobs"
                                     : "docextract workers can send NOTIFY docextract_jobs again"),
                      failing ? errdetail("The server's notification queue is full (see "
                                          "pg_notification_queue_usage()); jobs go on ending "
                                          "and wait_for_job() still wakes up.")
                              : 0));
    }
}

ClaimState check_claim(const ClaimedJob *job, int pages_done, int pages_total, bool heartbeat) {
    bool held = false, gone = false;
    // A heartbeat extends the lease and records progress (and raises if the claim is stale); in
    // between, a read-only look notices a cancellation.
    TxResult r = in_transaction(heartbeat ? "extracting a document (heartbeat)"
                                          : "extracting a document",
                                "check a claim", [&] {
        // After DROP EXTENSION the job is gone with its table: stop quietly.
        if (!OidIsValid(get_extension_oid("docextract", true))) {
            gone = true;
            return;
        }
        Oid types[4] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
        Datum values[4] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                           Int32GetDatum(pages_done), Int32GetDatum(pages_total)};
        const char nulls[4] = {' ', ' ', pages_total > 0 ? ' ' : 'n', pages_total > 0 ? ' ' : 'n'};
        if (heartbeat)
            call("SELECT docextract.heartbeat($1, $2, $3, $4)", 4, types, values, nulls);
        else
            call("SELECT docextract.claim_is_current($1, $2)", 2, types, values);
        if (heartbeat) {
            held = SPI_processed == 1;  // heartbeat() raises on a stale claim
        } else {
            bool isnull = true;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            held = !isnull && DatumGetBool(d);
        }
    });
    if (gone) return ClaimState::extension_gone;
    if (r == TxResult::failed) return ClaimState::unknown;
    return r == TxResult::ok && held ? ClaimState::held : ClaimState::lost;
}

}  // namespace docextract::pg
