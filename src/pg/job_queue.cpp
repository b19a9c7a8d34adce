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

// Each call runs in a transaction of its own; begin() and commit() leave the caller in the memory
// context it started in (a transaction's end would otherwise leave it in TopMemoryContext, where
// whatever the worker allocates next would stay for good).
MemoryContext caller_context;

void begin(const char *activity) {
    caller_context = CurrentMemoryContext;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
    if (guc_worker_statement_timeout_ms > 0)
        enable_timeout_after(STATEMENT_TIMEOUT, guc_worker_statement_timeout_ms);
}

void commit() {
    disable_timeout(STATEMENT_TIMEOUT, false);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    MemoryContextSwitchTo(caller_context);
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

// In PG_CATCH: log the error (the worker goes on) and roll back.
void abort_and_log(MemoryContext context, const char *what) {
    disable_timeout(STATEMENT_TIMEOUT, false);
    MemoryContextSwitchTo(context);
    ErrorData *edata = CopyErrorData();
    FlushErrorState();
    AbortCurrentTransaction();
    MemoryContextSwitchTo(context);
    ereport(LOG, (errcode(edata->sqlerrcode), errmsg("docextract worker could not %s: %s", what, edata->message),
                  edata->detail ? errdetail_internal("%s", edata->detail) : 0));
    FreeErrorData(edata);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

Datum uuid_datum(const pg_uuid_t *u) { return UUIDPGetDatum(const_cast<pg_uuid_t *>(u)); }

void copy_uuid(int column, pg_uuid_t *out) {
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, &isnull);
    memcpy(out, DatumGetUUIDP(d), sizeof(pg_uuid_t));
}

}  // namespace

bool extension_present() {
    MemoryContext context = CurrentMemoryContext;
    volatile bool present = false;
    PG_TRY();
    {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        present = OidIsValid(get_extension_oid("docextract", true));
        CommitTransactionCommand();
        MemoryContextSwitchTo(context);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        FlushErrorState();
        AbortCurrentTransaction();
        MemoryContextSwitchTo(context);
    }
    PG_END_TRY();
    return present;
}

bool claim_next_job(const char *worker_name, ClaimedJob *job) {
    MemoryContext context = CurrentMemoryContext;
    volatile bool claimed = false;
    PG_TRY();
    {
        begin("claiming a job");
        Oid types[1] = {TEXTOID};
        Datum values[1] = {CStringGetTextDatum(worker_name)};
        int rc = SPI_execute_with_args(
            "SELECT job_id, document_id, claim_token, file_format FROM docextract.claim_jobs($1, 1)",
            1, types, values, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "claim_jobs failed: %s", SPI_result_code_string(rc));
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
        commit();
    }
    PG_CATCH();
    {
        abort_and_log(context, "claim a job");
        claimed = false;
    }
    PG_END_TRY();
    return claimed;
}

bool load_content(ClaimedJob *job, MemoryContext into) {
    MemoryContext context = CurrentMemoryContext;
    volatile bool loaded = false;
    PG_TRY();
    {
        begin("reading a document");
        Oid types[1] = {UUIDOID};
        Datum values[1] = {uuid_datum(&job->document_id)};
        int rc = SPI_execute_with_args(
            "SELECT content FROM docextract.document_contents WHERE document_id = $1",
            1, types, values, nullptr, true, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "reading content failed: %s", SPI_result_code_string(rc));
        if (SPI_processed == 1) {
            bool isnull;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            if (!isnull) {
                MemoryContext old = MemoryContextSwitchTo(into);
                bytea *bytes = DatumGetByteaPCopy(d);
                MemoryContextSwitchTo(old);
                job->content = VARDATA(bytes);
                job->content_len = VARSIZE(bytes) - VARHDRSZ;
                loaded = true;
            }
        }
        commit();
    }
    PG_CATCH();
    {
        abort_and_log(context, "read a document");
        loaded = false;
    }
    PG_END_TRY();
    return loaded;
}

bool complete_job(const ClaimedJob *job, const char *result_json) {
    MemoryContext context = CurrentMemoryContext;
    volatile bool done = false;
    PG_TRY();
    {
        begin("storing a result");
        Oid types[3] = {UUIDOID, UUIDOID, TEXTOID};
        Datum values[3] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                           CStringGetTextDatum(result_json)};
        int rc = SPI_execute_with_args("SELECT docextract.complete_job($1, $2, $3::jsonb)", 3,
                                       types, values, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "complete_job failed: %s", SPI_result_code_string(rc));
        commit();
        done = true;
    }
    PG_CATCH();
    {
        abort_and_log(context, "store a result");
        done = false;
    }
    PG_END_TRY();
    return done;
}

bool fail_job(const ClaimedJob *job, const char *error, bool retryable, char *status, Size len) {
    MemoryContext context = CurrentMemoryContext;
    volatile bool done = false;
    PG_TRY();
    {
        begin("recording a failure");
        Oid types[4] = {UUIDOID, UUIDOID, TEXTOID, BOOLOID};
        Datum values[4] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                           CStringGetTextDatum(error), BoolGetDatum(retryable)};
        int rc = SPI_execute_with_args("SELECT docextract.fail_job($1, $2, $3, $4)", 4, types,
                                       values, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "fail_job failed: %s", SPI_result_code_string(rc));
        strlcpy(status, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), len);
        commit();
        done = true;
    }
    PG_CATCH();
    {
        abort_and_log(context, "record a failure");
        done = false;
    }
    PG_END_TRY();
    return done;
}

bool release_job(const ClaimedJob *job) {
    MemoryContext context = CurrentMemoryContext;
    volatile bool done = false;
    PG_TRY();
    {
        begin("releasing a job");
        Oid types[2] = {UUIDOID, UUIDOID};
        Datum values[2] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token)};
        int rc = SPI_execute_with_args("SELECT docextract.release_job($1, $2)", 2, types, values,
                                       nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "release_job failed: %s", SPI_result_code_string(rc));
        commit();
        done = true;
    }
    PG_CATCH();
    {
        abort_and_log(context, "release a job");
        done = false;
    }
    PG_END_TRY();
    return done;
}

int reclaim_jobs() {
    MemoryContext context = CurrentMemoryContext;
    volatile int reclaimed = 0;
    PG_TRY();
    {
        begin("reclaiming jobs of stopped holders");
        int rc = SPI_execute("SELECT docextract.reclaim_jobs()", false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "reclaim_jobs failed: %s", SPI_result_code_string(rc));
        bool isnull;
        reclaimed = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        commit();
    }
    PG_CATCH();
    {
        abort_and_log(context, "reclaim jobs");
        reclaimed = 0;
    }
    PG_END_TRY();
    return reclaimed;
}

ClaimState check_claim(const ClaimedJob *job, int pages_done, int pages_total, bool heartbeat) {
    MemoryContext context = CurrentMemoryContext;
    volatile ClaimState state = ClaimState::unknown;
    PG_TRY();
    {
        begin(heartbeat ? "extracting a document (heartbeat)" : "extracting a document");
        Oid types[4] = {UUIDOID, UUIDOID, INT4OID, INT4OID};
        Datum values[4] = {uuid_datum(&job->job_id), uuid_datum(&job->claim_token),
                           Int32GetDatum(pages_done), Int32GetDatum(pages_total)};
        const char nulls[4] = {' ', ' ', pages_total > 0 ? ' ' : 'n', pages_total > 0 ? ' ' : 'n'};
        // A heartbeat extends the lease and records progress (and raises if the claim is
        // stale); in between, a read-only look notices a cancellation.
        int rc = heartbeat
            ? SPI_execute_with_args("SELECT docextract.heartbeat($1, $2, $3, $4)", 4, types,
                                    values, nulls, false, 1)
            : SPI_execute_with_args("SELECT 1 FROM docextract.extraction_jobs "
                                    "WHERE id = $1 AND claim_token = $2 AND status = 'processing'",
                                    2, types, values, nullptr, true, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "checking the claim failed: %s", SPI_result_code_string(rc));
        state = SPI_processed == 1 ? ClaimState::held : ClaimState::lost;
        commit();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        ErrorData *edata = CopyErrorData();
        const bool stale = edata->sqlerrcode == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
        FreeErrorData(edata);
        if (stale) {
            disable_timeout(STATEMENT_TIMEOUT, false);
            FlushErrorState();
            AbortCurrentTransaction();
            MemoryContextSwitchTo(context);
            state = ClaimState::lost;
        } else {
            abort_and_log(context, "check a claim");
            state = ClaimState::unknown;
        }
    }
    PG_END_TRY();
    return state;
}

}  // namespace docextract::pg
