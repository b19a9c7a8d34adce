// SQL functions over shared memory: worker_stats_all(), wait_for_job(), wake_waiters().
#include "pg/hooks.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

using namespace docextract::pg;

extern "C" {
PG_FUNCTION_INFO_V1(docextract_worker_stats);
PG_FUNCTION_INFO_V1(docextract_wait_for_job);
PG_FUNCTION_INFO_V1(docextract_wake_waiters);
PG_FUNCTION_INFO_V1(docextract_workers_epoch);
}

// workers_epoch(): when shared memory was last initialised (server start or crash reset).
Datum docextract_workers_epoch(PG_FUNCTION_ARGS) {
    PG_RETURN_TIMESTAMPTZ(shared->initialised_at);
}

namespace {

const char *state_name(DbState state) {
    switch (state) {
    case DbState::unknown: return "not checked yet";
    case DbState::has_extension: return "running";
    case DbState::no_extension: return "no extension";
    case DbState::dropping: return "dropping";
    }
    return "unknown";
}

int waiter_index = -1;

void remove_waiter() {
    if (waiter_index < 0) return;
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    shared->waiters[waiter_index] = Waiter{};
    LWLockRelease(shared->lock);
    waiter_index = -1;
}

void remove_waiter_at_exit(int, Datum) { remove_waiter(); }

// Registers this session's latch, so that workers finishing a job in this database wake it.
void add_waiter() {
    static bool exit_hook = false;
    if (!exit_hook) {
        before_shmem_exit(remove_waiter_at_exit, 0);
        exit_hook = true;
    }
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    for (int i = 0; i < kMaxWaiters && waiter_index < 0; i++)
        if (shared->waiters[i].latch == nullptr) {
            shared->waiters[i] = Waiter{MyDatabaseId, MyLatch};
            waiter_index = i;
        }
    LWLockRelease(shared->lock);
}

// The job's status as the caller may see it (row-level security applies), or nullptr.
char *job_status(Datum job_id) {
    Oid types[1] = {UUIDOID};
    Datum values[1] = {job_id};
    char *status = nullptr;
    SPI_connect();
    int rc = SPI_execute_with_args("SELECT j.status FROM docextract.extraction_jobs AS j "
                                   "WHERE j.id OPERATOR(pg_catalog.=) $1",
                                   1, types, values, nullptr, false, 1);
    if (rc == SPI_OK_SELECT && SPI_processed == 1) {
        char *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        status = static_cast<char *>(SPI_palloc(strlen(s) + 1));
        strcpy(status, s);
    }
    SPI_finish();
    return status;
}

bool terminal(const char *status) {
    return strcmp(status, "completed") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "cancelled") == 0;
}

}  // namespace

// worker_stats_all(): one row per database slot with its workers and counters.
Datum docextract_worker_stats(PG_FUNCTION_ARGS) {
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    LWLockAcquire(shared->lock, LW_SHARED);
    for (const auto &db : shared->dbs) {
        if (db.dboid == InvalidOid) continue;
        Datum values[4 + counter_count];
        bool nulls[4 + counter_count] = {};
        int running = 0, idle = 0;
        for (const auto &w : db.workers) {
            running += w.pid != 0;
            idle += w.pid != 0 && w.idle;
        }
        values[0] = ObjectIdGetDatum(db.dboid);
        values[1] = CStringGetTextDatum(db.kept_off && db.state != DbState::dropping
                                            ? "kept off" : state_name(db.state));
        values[2] = Int32GetDatum(running);
        values[3] = Int32GetDatum(idle);
        for (int c = 0; c < counter_count; c++)
            values[4 + c] = Int64GetDatum(static_cast<int64>(
                pg_atomic_read_u64(const_cast<pg_atomic_uint64 *>(&db.counters[c]))));
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    LWLockRelease(shared->lock);
    return (Datum) 0;
}

// wait_for_job(job_id, timeout): sleeps on the latch until the job ends or the timeout passes;
// returns the status it last saw. Workers wake waiters when a job of this database ends.
Datum docextract_wait_for_job(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("job id and timeout must not be null")));
    Datum job_id = PG_GETARG_DATUM(0);
    Interval *timeout = PG_GETARG_INTERVAL_P(1);
    // In double precision: months and days of a huge interval overflow int64 microseconds.
    const double timeout_ms = (timeout->time + timeout->day * (double) USECS_PER_DAY +
                               timeout->month * (double) DAYS_PER_MONTH * USECS_PER_DAY) / 1000.0;
    constexpr double kMaxTimeoutMs = 86400.0 * 1000;
    if (timeout_ms < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("timeout must not be negative")));
    if (timeout_ms > kMaxTimeoutMs)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("timeout must be at most 1 day"),
                        errhint("Call wait_for_job() again to wait longer.")));
    const TimestampTz deadline = GetCurrentTimestamp() + static_cast<int64>(timeout_ms * 1000);

    char *status = nullptr;
    add_waiter();
    PG_TRY();
    {
        for (;;) {
            status = job_status(job_id);
            if (status == nullptr)
                ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                                errmsg("extraction job %s does not exist",
                                       DatumGetCString(DirectFunctionCall1(uuid_out, job_id)))));
            const long remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
            if (terminal(status) || remaining <= 0) break;
            (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                             Min(remaining, 1000L), PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
        }
    }
    PG_FINALLY();
    {
        remove_waiter();
    }
    PG_END_TRY();
    PG_RETURN_TEXT_P(cstring_to_text(status));
}

// wake_waiters(): a job ended; after this transaction commits, sessions in wait_for_job() look
// again and a worker announces it (NOTIFY docextract_jobs).
Datum docextract_wake_waiters(PG_FUNCTION_ARGS) {
    wake_waiters_at_commit_request();
    PG_RETURN_VOID();
}
