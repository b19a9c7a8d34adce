#include "pg/job_queue.hpp"

#include "pg/guc.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
}

namespace docextract::pg {

namespace {

enum class TxResult { ok, failed, stale_claim };

// What pg_stat_activity shows between the worker's transactions (null: idle).
const char *worker_activity = nullptr;

// Runs body in a transaction of its own, with SPI connected, a snapshot, the worker statement
// timeout and pg_stat_activity showing activity. A PostgreSQL error in body rolls the
// transaction back and is logged (the worker goes on), except a stale claim (SQLSTATE 55000 from
// the worker API), which is an answer, not a failure. The caller's memory context is restored on
// both paths: a transaction's end would otherwise leave TopMemoryContext current, where whatever
// the worker allocates next would stay for good. body must not hold C++ objects with destructors:
// an error longjmps out of it.
template <typename Body>
TxResult in_transaction(const char *activity, const char *what, Body &&body) {
    MemoryContext caller = CurrentMemoryContext;
    volatile TxResult result = TxResult::ok;
    PG_TRY();
    {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        SPI_connect();
        PushActiveSnapshot(GetTransactionSnapshot());
        pgstat_report_activity(STATE_RUNNING, activity);
        if (guc_worker_statement_timeout_ms > 0)
            enable_timeout_after(STATEMENT_TIMEOUT, guc_worker_statement_timeout_ms);
        body();
        disable_timeout(STATEMENT_TIMEOUT, false);
        SPI_finish();
        PopActiveSnapshot();
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
        if (edata->sqlerrcode == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE) {
            result = TxResult::stale_claim;
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

bool claim_next_job(const char *worker_name, ClaimedJob *job) {
    bool claimed = false;
    in_transaction("claiming a job", "claim a job", [&] {
        Oid types[1] = {TEXTOID};
        Datum values[1] = {CStringGetTextDatum(worker_name)};
        call("SELECT job_id, document_id, claim_token, file_format "
             "FROM docextract.claim_jobs($1, 1)", 1, types, values);
        if (SPI_processed == 1) {
            copy_uuid(1, &job->job_id);
            copy_uuid(2, &job->document_id);
            copy_uuid(3, &job->claim_token);
            char *format = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
            strlcpy(job->file_format, format, sizeof job->file_format);
            job->content = nullptr;
            job->content_len = 0;
            claimed = true;
        }
    });
    return claimed;
}

bool load_content(ClaimedJob *job, MemoryContext into) {
    bool loaded = false;
    in_transaction("reading a document", "read a document", [&] {
        Oid types[1] = {UUIDOID};
        Datum values[1] = {uuid_datum(&job->document_id)};
        call("SELECT content FROM docextract.document_contents WHERE document_id = $1", 1, types,
             values);
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
    in_transaction("reclaiming jobs of stopped holders", "reclaim jobs", [&] {
        call("SELECT docextract.reclaim_jobs()", 0, nullptr, nullptr);
        bool isnull;
        reclaimed = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    });
    return reclaimed;
}

ClaimState check_claim(const ClaimedJob *job, int pages_done, int pages_total, bool heartbeat) {
    bool held = false;
    // A heartbeat extends the lease and records progress (and raises if the claim is stale); in
    // between, a read-only look notices a cancellation.
    TxResult r = in_transaction(heartbeat ? "extracting a document (heartbeat)"
                                          : "extracting a document",
                                "check a claim", [&] {
        Oid types[4] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
        Datum values[4] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                           Int32GetDatum(pages_done), Int32GetDatum(pages_total)};
        const char nulls[4] = {' ', ' ', pages_total > 0 ? ' ' : 'n', pages_total > 0 ? ' ' : 'n'};
        if (heartbeat)
            call("SELECT docextract.heartbeat($1, $2, $3, $4)", 4, types, values, nulls);
        else
            call("SELECT 1 FROM docextract.extraction_jobs "
                 "WHERE id = $1 AND claim_token = $2 AND status = 'processing'",
                 2, types, values);
        held = SPI_processed == 1;
    });
    if (r == TxResult::failed) return ClaimState::unknown;
    return r == TxResult::ok && held ? ClaimState::held : ClaimState::lost;
}

}  // namespace docextract::pg
