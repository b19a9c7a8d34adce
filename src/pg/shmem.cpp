#include "pg/shmem.hpp"

#include "pg/guc.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

namespace docextract::pg {

SharedState *shared = nullptr;

namespace {

shmem_request_hook_type prev_shmem_request_hook = nullptr;
shmem_startup_hook_type prev_shmem_startup_hook = nullptr;

void shmem_request() {
    if (prev_shmem_request_hook) prev_shmem_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedState)));
    RequestNamedLWLockTranche("docextract", 1);
}

void shmem_startup() {
    if (prev_shmem_startup_hook) prev_shmem_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<SharedState *>(ShmemInitStruct("docextract", sizeof(SharedState), &found));
    if (!found) {
        memset(static_cast<void *>(shared), 0, sizeof(SharedState));
        shared->lock = &(GetNamedLWLockTranche("docextract"))->lock;
        shared->initialised_at = GetCurrentTimestamp();
        for (auto &db : shared->dbs)
        {
            for (auto &c : db.counters) pg_atomic_init_u64(&c, 0);
            pg_atomic_init_u64(&db.jobs_ended, 0);
            pg_atomic_init_u64(&db.jobs_announced, 0);
        }
    }
    LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void request_shared_memory() {
    prev_shmem_request_hook = shmem_request_hook;
    shmem_request_hook = shmem_request;
}

void install_shmem_hooks() {
    prev_shmem_startup_hook = shmem_startup_hook;
    shmem_startup_hook = shmem_startup;
}

DbSlot *find_db_slot(Oid dboid, bool create) {
    DbSlot *free_slot = nullptr;
    for (auto &db : shared->dbs) {
        if (db.dboid == dboid) return &db;
        if (db.dboid == InvalidOid && free_slot == nullptr) free_slot = &db;
    }
    if (!create || free_slot == nullptr) return nullptr;
    free_slot->dboid = dboid;
    free_slot->state = DbState::unknown;
    free_slot->state_since = GetCurrentTimestamp();
    for (auto &w : free_slot->workers) w = WorkerSlot{};
    for (auto &c : free_slot->counters) pg_atomic_write_u64(&c, 0);
    pg_atomic_write_u64(&free_slot->jobs_ended, 0);
    pg_atomic_write_u64(&free_slot->jobs_announced, 0);
    free_slot->wanted = 0;
    free_slot->wakes = 0;
    free_slot->last_reclaim = 0;
    free_slot->unserved_since = 0;
    free_slot->kept_off = false;
    free_slot->settings_epoch = 0;
    return free_slot;
}

void count(Oid dboid, Counter counter, uint64 amount) {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) pg_atomic_fetch_add_u64(&db->counters[counter], amount);
    LWLockRelease(shared->lock);
}

bool want_one_more_worker(DbSlot &db) {
    int assigned = 0;
    for (const auto &w : db.workers) assigned += w.assigned;
    if (db.wanted > assigned || assigned >= guc_workers_per_database) return false;
    db.wanted = assigned + 1;
    return true;
}

void wake_database_workers(Oid dboid, bool more_if_busy) {
    if (shared == nullptr) return;
    bool ask_launcher = false;
    // Exclusive: the woken worker stops counting as idle at once, so that the next wake-up goes
    // to another one.
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        db->wakes++;
        WorkerSlot *target = nullptr;
        for (auto &w : db->workers)
            if (w.pid != 0 && w.idle) {
                target = &w;
                break;
            }
        if (target != nullptr) {
            target->idle = false;
            SetLatch(target->latch);
        } else {
            // Everyone is busy or between jobs: each claims again before it sleeps.
            for (auto &w : db->workers)
                if (w.pid != 0) SetLatch(w.latch);
            ask_launcher = more_if_busy && want_one_more_worker(*db);
        }
    }
    LWLockRelease(shared->lock);
    if (ask_launcher) wake_launcher();
}

void wake_launcher() {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (shared->launcher_latch != nullptr) SetLatch(shared->launcher_latch);
    LWLockRelease(shared->lock);
}

void settings_changed(int server_mode, bool may_serve) {
    if (shared == nullptr) return;
    const TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (server_mode >= 0) shared->server_workers_mode = server_mode;
    for (auto &db : shared->dbs) {
        if (db.dboid == InvalidOid) continue;
        db.settings_epoch++;
        if (db.kept_off && may_serve) {
            db.kept_off = false;
            if (db.state == DbState::has_extension) {
                db.state = DbState::unknown;
                db.state_since = now;
            }
        }
        for (auto &w : db.workers)
            if (w.pid != 0) SetLatch(w.latch);
    }
    LWLockRelease(shared->lock);
    wake_launcher();
}

int server_workers_mode() {
    LWLockAcquire(shared->lock, LW_SHARED);
    const int mode = shared->server_workers_mode;
    LWLockRelease(shared->lock);
    return mode;
}

uint64 settings_epoch(int slot) {
    LWLockAcquire(shared->lock, LW_SHARED);
    const uint64 epoch = shared->dbs[slot].settings_epoch;
    LWLockRelease(shared->lock);
    return epoch;
}

bool mark_kept_off(int slot, Oid dboid, uint64 epoch_seen) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    const bool current = db.dboid != dboid || db.settings_epoch == epoch_seen;
    if (db.dboid == dboid && current) db.kept_off = true;
    LWLockRelease(shared->lock);
    return current;
}

void wake_waiters(Oid dboid) {
    if (shared == nullptr) return;
    LWLockAcquire(shared->lock, LW_SHARED);
    for (auto &w : shared->waiters)
        if (w.latch != nullptr && w.dboid == dboid) SetLatch(w.latch);
    if (DbSlot *db = find_db_slot(dboid, false)) pg_atomic_fetch_add_u64(&db->jobs_ended, 1);
    LWLockRelease(shared->lock);
    // Only for the announcement: a job that ended is no reason for another worker.
    wake_database_workers(dboid, false);
}

bool jobs_ended_since_announced(Oid dboid, uint64 *ended) {
    bool pending = false;
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        *ended = pg_atomic_read_u64(&db->jobs_ended);
        pending = *ended != pg_atomic_read_u64(&db->jobs_announced);
    }
    LWLockRelease(shared->lock);
    return pending;
}

void mark_jobs_announced(Oid dboid, uint64 ended) {
    LWLockAcquire(shared->lock, LW_SHARED);
    if (DbSlot *db = find_db_slot(dboid, false)) {
        // Never backwards: another worker may have announced a later count meanwhile.
        uint64 seen = pg_atomic_read_u64(&db->jobs_announced);
        while (seen < ended && !pg_atomic_compare_exchange_u64(&db->jobs_announced, &seen, ended)) {
        }
    }
    LWLockRelease(shared->lock);
}

uint64 wakes_of(int slot) {
    LWLockAcquire(shared->lock, LW_SHARED);
    const uint64 wakes = shared->dbs[slot].wakes;
    LWLockRelease(shared->lock);
    return wakes;
}

void more_workers_if_busy(int slot, int index) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    bool someone_idle = false;
    for (int i = 0; i < kMaxWorkersPerDatabase; i++)
        someone_idle = someone_idle || (i != index && db.workers[i].pid != 0 && db.workers[i].idle);
    const bool ask_launcher = !someone_idle && want_one_more_worker(db);
    LWLockRelease(shared->lock);
    if (ask_launcher) wake_launcher();
}

bool take_reclaim_turn(int slot) {
    const TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    const bool turn = TimestampDifferenceExceeds(db.last_reclaim, now, 1000);
    if (turn) db.last_reclaim = now;
    LWLockRelease(shared->lock);
    return turn;
}

bool asked_to_retire(int slot, int index) {
    LWLockAcquire(shared->lock, LW_SHARED);
    const bool retire = shared->dbs[slot].workers[index].retire;
    LWLockRelease(shared->lock);
    return retire;
}

bool leave_database(int slot, int index, uint64 wakes_seen, bool must, bool had_work) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    const bool woken = db.wakes != wakes_seen;
    if (woken && !must) {
        LWLockRelease(shared->lock);
        return false;
    }
    WorkerSlot &w = db.workers[index];
    if (w.pid == MyProcPid) {
        // No longer serving: the launcher counts the process against the budget until it is
        // gone, but not as a worker of the database.
        w = WorkerSlot{};
        int others = 0;
        for (const auto &o : db.workers) others += o.assigned;
        // Idle: the database has no work for this worker, nor for a replacement. Woken: the
        // wake-up was meant for this worker, and its replacement must come.
        if (woken) db.wanted = Max(db.wanted, others + 1);
        else if (!had_work) db.wanted = Min(db.wanted, others);
    }
    LWLockRelease(shared->lock);
    return true;
}

bool extension_found(int slot, Oid dboid) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    const bool ours = db.dboid == dboid && db.state != DbState::dropping;
    if (ours && db.state != DbState::has_extension) {
        db.state = DbState::has_extension;
        db.state_since = GetCurrentTimestamp();
        db.wanted = kAllWorkers;
    }
    LWLockRelease(shared->lock);
    return ours;
}

void worker_gone(int slot, int index) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot &db = shared->dbs[slot];
    WorkerSlot &w = db.workers[index];
    if (w.pid == MyProcPid) {
        w = WorkerSlot{};
        // Its job (if any) needs a reclaim, and its work a worker.
        if (db.state == DbState::has_extension) db.wanted = Max(db.wanted, 1);
    }
    LWLockRelease(shared->lock);
}

}  // namespace docextract::pg
