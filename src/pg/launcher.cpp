// The launcher: one background worker per cluster that gives docextract's workers to the
// databases that have the extension, within a budget. It reads pg_database (a shared catalog,
// readable without connecting to a database), starts dynamic workers where jobs wait, shares the
// budget (docextract.max_workers, and never the last docextract.reserved_worker_slots of
// max_worker_processes) fairly, longest waiting database first, and keeps away from databases
// being dropped and from those docextract.workers keeps them off (their workers say so). Workers
// leave after docextract.worker_idle_timeout without work.
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
#include "utils/backend_status.h"
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
TimestampTz started_at[kMaxDatabases][kMaxWorkersPerDatabase];

// Why a database did not get a worker in a pass.
enum class Blocked { no, budget, reserve, slots };

// The launcher's own view of each database slot.
struct Seat {
    Oid dboid;
    NameData name;
    TimestampTz waiting_since;    // since when it has wanted a worker it has not got (round-robin)
    TimestampTz no_worker_since;  // its last worker left: look for work that came due later
    bool starved;                 // its wait was logged; the recovery will be, once
};
Seat seats[kMaxDatabases];

// What a pass works out per database slot.
struct Plan {
    int assigned;   // workers serving it (started, not leaving)
    int need;       // workers it should have
    bool look;      // the one it needs only looks for work that came due
};

struct DatabaseRow {
    Oid oid;
    NameData name;
};

MemoryContext pass_context;
int last_workers_per_database = -1;
bool too_many_logged = false;

// A database without the extension is looked at again this often, in case the extension came
// by a path that did not wake the launcher (e.g. a file-level restore).
constexpr long kRecheckMs = 60000;
// A DROP DATABASE that failed leaves the database in place: resume after this long.
constexpr long kDroppingMs = 15000;

bool alive(BackgroundWorkerHandle *handle) {
    pid_t pid;
    return handle != nullptr && GetBackgroundWorkerPid(handle, &pid) != BGWH_STOPPED;
}

// Databases that workers may connect to, in pass_context.
List *list_databases() {
    List *rows = NIL;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
    HeapTuple tuple;
    MemoryContext outer = MemoryContextSwitchTo(pass_context);
    while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        auto *db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
        if (!db->datallowconn || db->datistemplate) continue;
        auto *row = static_cast<DatabaseRow *>(palloc(sizeof(DatabaseRow)));
        row->oid = db->oid;
        row->name = db->datname;
        rows = lappend(rows, row);
    }
    MemoryContextSwitchTo(outer);
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    PopActiveSnapshot();
    CommitTransactionCommand();
    return rows;
}

bool listed(List *rows, Oid oid) {
    ListCell *lc;
    foreach (lc, rows)
        if (static_cast<DatabaseRow *>(lfirst(lc))->oid == oid) return true;
    return false;
}

// Caller holds shared->lock exclusively (here and below).
bool start_worker(int slot, int index, bool look) {
    const DbSlot &db = shared->dbs[slot];
    BackgroundWorker worker{};
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher restarts it, with the right slot
    strlcpy(worker.bgw_library_name, "docextract", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "docextract_worker_main", BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, "docextract worker %d for database %s", index,
             NameStr(seats[slot].name));
    strlcpy(worker.bgw_type, "docextract worker", BGW_MAXLEN);
    worker.bgw_main_arg = ObjectIdGetDatum(db.dboid);
    WorkerArgs args{};
    args.slot = slot;
    args.index = index;
    args.look = look;
    strlcpy(args.dbname, NameStr(seats[slot].name), sizeof args.dbname);
    memcpy(worker.bgw_extra, &args, sizeof args);
    worker.bgw_notify_pid = MyProcPid;

    MemoryContext outer = MemoryContextSwitchTo(TopMemoryContext);
    const bool started = RegisterDynamicBackgroundWorker(&worker, &handles[slot][index]);
    MemoryContextSwitchTo(outer);
    if (!started) {
        handles[slot][index] = nullptr;
        return false;
    }
    shared->dbs[slot].workers[index] = WorkerSlot{};
    shared->dbs[slot].workers[index].assigned = true;
    started_at[slot][index] = GetCurrentTimestamp();
    return true;
}

// Background workers running now (any kind, this launcher included) plus docextract's workers
// that are registered but not yet running: what max_worker_processes is shared by.
int background_workers_in_use() {
    pid_t ours[kMaxDatabases * kMaxWorkersPerDatabase];
    int n_ours = 0, starting = 0;
    for (auto &row : handles)
        for (auto *h : row) {
            pid_t pid;
            if (h == nullptr) continue;
            const BgwHandleStatus status = GetBackgroundWorkerPid(h, &pid);
            if (status == BGWH_STARTED) ours[n_ours++] = pid;
            else if (status == BGWH_NOT_YET_STARTED) starting++;
        }
    pgstat_clear_backend_activity_snapshot();  // a fresh look at the backends
    int used = starting;
    const int n = pgstat_fetch_stat_numbackends();
    for (int i = 1; i <= n; i++) {
        const LocalPgBackendStatus *entry = pgstat_fetch_stat_local_beentry(i);
        if (entry == nullptr || entry->backendStatus.st_backendType != B_BG_WORKER) continue;
        used++;
        for (int k = 0; k < n_ours; k++)
            if (ours[k] == entry->backendStatus.st_procpid) {
                ours[k] = 0;  // seen
                break;
            }
    }
    // Ours that started but are not listed yet.
    for (int k = 0; k < n_ours; k++) used += ours[k] != 0;
    return used;
}

// Asks a worker to leave after its job in hand, for a database that waits. An idle worker first
// (anywhere); else, if busy_too, a busy one that has served its turn (docextract.poll_interval, so
// that short jobs do not pay a process start each), of the database with the most workers, the
// longest running of them: taking turns, every database gets served.
bool retire_one(bool busy_too, TimestampTz now) {
    WorkerSlot *victim = nullptr;
    for (auto &db : shared->dbs)
        for (auto &w : db.workers)
            if (victim == nullptr && w.assigned && !w.retire && w.pid != 0 && w.idle) victim = &w;
    if (victim == nullptr && busy_too) {
        int best_count = 0;
        TimestampTz best_start = 0;
        for (int s = 0; s < kMaxDatabases; s++) {
            int count = 0;
            for (const auto &w : shared->dbs[s].workers) count += w.assigned && !w.retire;
            for (int i = 0; i < kMaxWorkersPerDatabase; i++) {
                WorkerSlot &w = shared->dbs[s].workers[i];
                if (!w.assigned || w.retire || w.pid == 0 ||
                    !TimestampDifferenceExceeds(started_at[s][i], now, guc_poll_interval_ms))
                    continue;
                if (count > best_count || (count == best_count && started_at[s][i] < best_start)) {
                    victim = &w;
                    best_count = count;
                    best_start = started_at[s][i];
                }
            }
        }
    }
    if (victim == nullptr) return false;
    victim->retire = true;
    SetLatch(victim->latch);
    return true;
}

struct Starvation {
    int slot;
    bool starved;  // began (true) or ended (false)
    Blocked why;
    double waited_s;
};

void log_starvation(const Starvation &event) {
    const char *name = NameStr(seats[event.slot].name);
    if (!event.starved) {
        ereport(LOG, (errmsg("docextract workers serve database \"%s\" again", name),
                      errdetail("It waited %.1f s for a worker.", event.waited_s)));
        return;
    }
    switch (event.why) {
    case Blocked::budget:
        ereport(LOG, (errmsg("docextract database \"%s\" is waiting for a worker", name),
                      errdetail("All %d workers that docextract.max_workers allows are busy in "
                                "other databases; they take turns.", guc_max_workers)));
        break;
    case Blocked::reserve:
        ereport(LOG, (errmsg("docextract database \"%s\" is waiting for a worker", name),
                      errdetail("Another worker would leave fewer than "
                                "docextract.reserved_worker_slots (%d) of max_worker_processes "
                                "(%d) free.", guc_reserved_worker_slots, max_worker_processes)));
        break;
    case Blocked::slots:
    case Blocked::no:
        ereport(WARNING, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                          errmsg("docextract database \"%s\" is waiting for a worker", name),
                          errdetail("No background worker slot is free."),
                          errhint("Increase max_worker_processes.")));
        break;
    }
}

// One pass: work out what every database needs, start workers within the budget, longest
// waiting database first, and ask busy databases to give up workers for those left waiting.
void reconcile() {
    MemoryContextReset(pass_context);
    List *databases = list_databases();
    const TimestampTz now = GetCurrentTimestamp();
    const int cap = guc_workers_per_database;
    Plan plan[kMaxDatabases] = {};
    Starvation events[kMaxDatabases];
    int n_events = 0;
    bool too_many = false;

    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    // Forget databases that are gone.
    for (int s = 0; s < kMaxDatabases; s++) {
        DbSlot &db = shared->dbs[s];
        if (db.dboid != InvalidOid && !listed(databases, db.dboid)) {
            for (auto &h : handles[s])
                if (h != nullptr) TerminateBackgroundWorker(h);
            db.dboid = InvalidOid;
        }
    }
    // Slots for new databases, names, and time-based state changes.
    ListCell *lc;
    foreach (lc, databases) {
        auto *row = static_cast<DatabaseRow *>(lfirst(lc));
        DbSlot *db = find_db_slot(row->oid, true);
        if (db == nullptr) {
            too_many = true;
            break;
        }
        Seat &seat = seats[db - shared->dbs];
        if (seat.dboid != row->oid) {
            seat = Seat{};
            seat.dboid = row->oid;
        }
        seat.name = row->name;
        if ((db->state == DbState::no_extension &&
             TimestampDifferenceExceeds(db->state_since, now, kRecheckMs)) ||
            (db->state == DbState::dropping &&
             TimestampDifferenceExceeds(db->state_since, now, kDroppingMs))) {
            db->state = DbState::unknown;
            db->state_since = now;
        }
    }
    // A new per-database count: every database gets it, as at start-up.
    const bool refill = cap != last_workers_per_database;
    last_workers_per_database = cap;

    int in_budget = 0;  // processes of ours, leaving ones included
    for (int s = 0; s < kMaxDatabases; s++) {
        DbSlot &db = shared->dbs[s];
        Plan &p = plan[s];
        const bool served_here = db.dboid != InvalidOid &&
            (db.state == DbState::unknown || db.state == DbState::has_extension);
        // Kept off: no new worker, not even a look; those there leave after the job in hand.
        const bool wanted_here = served_here && !db.kept_off;
        for (int i = 0; i < kMaxWorkersPerDatabase; i++) {
            WorkerSlot &w = db.workers[i];
            if (handles[s][i] != nullptr && !alive(handles[s][i])) {
                pfree(handles[s][i]);
                handles[s][i] = nullptr;
            }
            if (handles[s][i] == nullptr) {
                w.assigned = false;
                continue;
            }
            // Fewer per database, or no longer wanted here: stop now (a job in hand goes back).
            if (!served_here || i >= cap) {
                TerminateBackgroundWorker(handles[s][i]);
                w.assigned = false;
            }
            in_budget++;
            p.assigned += w.assigned && !w.retire;
        }
        if (db.dboid == InvalidOid) continue;
        Seat &seat = seats[s];
        if (db.state != DbState::has_extension) db.wanted = 0;
        else if (refill) db.wanted = kAllWorkers;
        db.wanted = Min(db.wanted, cap);
        p.need = !wanted_here || cap == 0 ? 0 : db.state == DbState::unknown ? 1 : db.wanted;
        // No worker for a while: look for retries that came due and expired leases.
        if (p.assigned > 0 || db.state != DbState::has_extension) seat.no_worker_since = 0;
        else if (seat.no_worker_since == 0) seat.no_worker_since = now;
        if (wanted_here && p.need == 0 && seat.no_worker_since != 0 && cap > 0 &&
            TimestampDifferenceExceeds(seat.no_worker_since, now, guc_worker_idle_timeout_ms)) {
            p.need = 1;
            p.look = true;
        }
        if (p.need <= p.assigned) seat.waiting_since = 0;
        else if (seat.waiting_since == 0) seat.waiting_since = now;
    }

    // Serve the longest waiting first (looks last), one worker at a time: round-robin.
    Blocked blocked = Blocked::no;
    int in_use = -1;  // max_worker_processes slots in use, counted when first needed
    for (;;) {
        int best = -1, best_index = -1;
        for (int s = 0; s < kMaxDatabases; s++) {
            if (plan[s].need <= plan[s].assigned) continue;
            int index = -1;
            for (int i = 0; i < Min(cap, kMaxWorkersPerDatabase) && index < 0; i++)
                if (handles[s][i] == nullptr) index = i;
            if (index < 0) continue;  // its slots are held by workers still leaving
            if (best < 0 || plan[s].look < plan[best].look ||
                (plan[s].look == plan[best].look && seats[s].waiting_since < seats[best].waiting_since)) {
                best = s;
                best_index = index;
            }
        }
        if (best < 0) break;
        if (in_budget >= guc_max_workers) {
            blocked = Blocked::budget;
            break;
        }
        if (in_use < 0) in_use = background_workers_in_use();
        if (in_use + 1 > max_worker_processes - guc_reserved_worker_slots) {
            blocked = Blocked::reserve;
            break;
        }
        if (!start_worker(best, best_index, plan[best].look)) {
            blocked = Blocked::slots;
            break;
        }
        in_budget++;
        in_use++;
        plan[best].assigned++;
        // Still wanting more: to the back of the line.
        TimestampTz back = now;
        for (const auto &seat : seats) back = Max(back, seat.waiting_since + 1);
        seats[best].waiting_since = plan[best].need > plan[best].assigned ? back : 0;
    }

    // A smaller budget after a reload: the excess leaves after its jobs.
    int serving = 0, retiring = 0;
    for (const auto &db : shared->dbs)
        for (const auto &w : db.workers) {
            serving += w.assigned && !w.retire;
            retiring += w.assigned && w.retire;
        }
    for (int excess = serving - guc_max_workers; excess > 0 && retire_one(true, now); excess--) retiring++;

    // Databases left with no worker at all: free a slot for each (one leaving worker is one
    // slot), and log a wait longer than the poll interval once, and its end once.
    for (int s = 0; s < kMaxDatabases; s++) {
        DbSlot &db = shared->dbs[s];
        Seat &seat = seats[s];
        const Plan &p = plan[s];
        if (db.dboid == InvalidOid) continue;
        if (p.assigned > 0 || p.need == 0) {
            if (seat.starved && p.assigned > 0)
                events[n_events++] = Starvation{s, false, Blocked::no,
                    TimestampDifferenceMilliseconds(db.unserved_since, now) / 1000.0};
            seat.starved = false;
            db.unserved_since = 0;
            continue;
        }
        // Jobs wait (not a first look at the database, nor a look for work that came due).
        const bool jobs = db.state == DbState::has_extension && !p.look;
        if (!jobs) db.unserved_since = 0;
        else if (db.unserved_since == 0) db.unserved_since = now;
        if (blocked == Blocked::no) continue;  // it gets a worker when one has left
        if (retiring > 0) retiring--;
        else (void) retire_one(jobs, now);
        if (jobs && !seat.starved &&
            TimestampDifferenceExceeds(db.unserved_since, now, guc_poll_interval_ms)) {
            seat.starved = true;
            events[n_events++] = Starvation{s, true, blocked, 0};
        }
    }
    // Databases with jobs that could use more workers: idle ones elsewhere make room.
    for (int s = 0; s < kMaxDatabases && blocked != Blocked::no; s++) {
        const Plan &p = plan[s];
        if (shared->dbs[s].dboid == InvalidOid || p.assigned == 0 || p.need <= p.assigned) continue;
        if (retiring > 0) retiring--;
        else (void) retire_one(false, now);
    }
    LWLockRelease(shared->lock);
    list_free(databases);

    if (too_many && !too_many_logged)
        ereport(WARNING, (errmsg("docextract serves at most %d databases", kMaxDatabases)));
    too_many_logged = too_many;
    for (int e = 0; e < n_events; e++) log_starvation(events[e]);
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
    pgstat_report_appname("docextract launcher");
    pass_context = AllocSetContextCreate(TopMemoryContext, "docextract launcher", ALLOCSET_DEFAULT_SIZES);

    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    shared->launcher_pid = MyProcPid;
    shared->launcher_latch = MyLatch;
    LWLockRelease(shared->lock);
    if (guc_workers_mode != shared->server_workers_mode) settings_changed(guc_workers_mode);
    before_shmem_exit(on_launcher_exit, 0);

    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            // Without a database, the launcher's docextract.workers is the configuration's.
            if (guc_workers_mode != shared->server_workers_mode) settings_changed(guc_workers_mode);
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
