// The launcher: one background worker per cluster that keeps docextract.workers_per_database
// workers running in every database that has the extension. It reads pg_database (a shared
// catalog, readable without connecting to a database), starts dynamic workers, restarts the
// ones that die, stops the ones no longer wanted, and keeps away from databases being dropped.
#include "pg/background.hpp"
#include "pg/guc.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace docextract::pg {

namespace {

// Handles are only valid in the process that registered the workers: they live here.
BackgroundWorkerHandle *handles[kMaxDatabases][kMaxWorkersPerDatabase];

// A database without the extension is looked at again this often, in case the extension came
// by a path that did not wake the launcher (e.g. a file-level restore).
constexpr long kRecheckMs = 60000;
// A DROP DATABASE that failed leaves the database in place: resume after this long.
constexpr long kDroppingMs = 15000;

bool alive(BackgroundWorkerHandle *handle) {
    pid_t pid;
    return handle != nullptr && GetBackgroundWorkerPid(handle, &pid) != BGWH_STOPPED;
}

void stop(BackgroundWorkerHandle *&handle) {
    if (handle != nullptr) {
        TerminateBackgroundWorker(handle);
        pfree(handle);
        handle = nullptr;
    }
}

// Databases that workers may connect to.
List *list_databases() {
    List *oids = NIL;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
    HeapTuple tuple;
    MemoryContext outer = MemoryContextSwitchTo(TopMemoryContext);
    while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        auto *db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
        if (db->datallowconn && !db->datistemplate) oids = lappend_oid(oids, db->oid);
    }
    MemoryContextSwitchTo(outer);
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    PopActiveSnapshot();
    CommitTransactionCommand();
    return oids;
}

void start_worker(Oid dboid, int slot, int index) {
    BackgroundWorker worker{};
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher restarts it, with the right slot
    strlcpy(worker.bgw_library_name, "docextract", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "docextract_worker_main", BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, "docextract worker %d for database %u", index, dboid);
    strlcpy(worker.bgw_type, "docextract worker", BGW_MAXLEN);
    worker.bgw_main_arg = ObjectIdGetDatum(dboid);
    WorkerArgs args{slot, index};
    memcpy(worker.bgw_extra, &args, sizeof args);
    worker.bgw_notify_pid = MyProcPid;

    MemoryContext outer = MemoryContextSwitchTo(TopMemoryContext);
    if (!RegisterDynamicBackgroundWorker(&worker, &handles[slot][index])) {
        handles[slot][index] = nullptr;
        ereport(WARNING, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                          errmsg("docextract could not start a worker for database %u", dboid),
                          errhint("Increase max_worker_processes.")));
    }
    MemoryContextSwitchTo(outer);
}

// One pass: bring every database's workers to the wanted number.
void reconcile() {
    List *databases = list_databases();
    const TimestampTz now = GetCurrentTimestamp();

    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    // Forget databases that are gone.
    for (int s = 0; s < kMaxDatabases; s++) {
        DbSlot &db = shared->dbs[s];
        if (db.dboid != InvalidOid && !list_member_oid(databases, db.dboid)) {
            for (auto &h : handles[s]) stop(h);
            db.dboid = InvalidOid;
        }
    }
    // Time-based state changes, then slots for new databases.
    ListCell *lc;
    foreach (lc, databases) {
        DbSlot *db = find_db_slot(lfirst_oid(lc), true);
        if (db == nullptr) {
            ereport(WARNING, (errmsg("docextract serves at most %d databases", kMaxDatabases)));
            break;
        }
        if ((db->state == DbState::no_extension &&
             TimestampDifferenceExceeds(db->state_since, now, kRecheckMs)) ||
            (db->state == DbState::dropping &&
             TimestampDifferenceExceeds(db->state_since, now, kDroppingMs))) {
            db->state = DbState::unknown;
            db->state_since = now;
        }
    }
    LWLockRelease(shared->lock);

    for (int s = 0; s < kMaxDatabases; s++) {
        DbSlot &db = shared->dbs[s];
        if (db.dboid == InvalidOid) continue;
        const bool wanted_here = db.state == DbState::unknown || db.state == DbState::has_extension;
        // While the workers of a database are unknown, one probe is enough to find out.
        const int wanted = !wanted_here || guc_workers_per_database == 0 ? 0
                           : db.state == DbState::unknown                 ? 1
                                                                          : guc_workers_per_database;
        for (int i = 0; i < kMaxWorkersPerDatabase; i++) {
            if (i < wanted) {
                if (!alive(handles[s][i])) {
                    if (handles[s][i] != nullptr) {
                        pfree(handles[s][i]);
                        handles[s][i] = nullptr;
                    }
                    start_worker(db.dboid, s, i);
                }
            } else {
                stop(handles[s][i]);
            }
        }
    }
    list_free(databases);
}

void on_launcher_exit(int, Datum) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    shared->launcher_pid = 0;
    shared->launcher_latch = nullptr;
    LWLockRelease(shared->lock);
}

}  // namespace

void register_launcher() {
    BackgroundWorker worker{};
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    // On a hot standby nothing can be claimed: the launcher starts at promotion.
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 5;
    strlcpy(worker.bgw_library_name, "docextract", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "docextract_launcher_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "docextract launcher", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "docextract launcher", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

}  // namespace docextract::pg

using namespace docextract::pg;

extern "C" PGDLLEXPORT void docextract_launcher_main(Datum);

void docextract_launcher_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    // No database: the launcher only reads the shared catalog pg_database.
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    shared->launcher_pid = MyProcPid;
    shared->launcher_latch = MyLatch;
    LWLockRelease(shared->lock);
    before_shmem_exit(on_launcher_exit, 0);

    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        pgstat_report_activity(STATE_RUNNING, "checking databases");
        reconcile();
        pgstat_report_activity(STATE_IDLE, "waiting");
        // Worker exits wake us (bgw_notify_pid), as do CREATE EXTENSION and SIGHUP.
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000L,
                         PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}
