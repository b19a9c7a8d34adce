// Reacting to sessions: wake workers when a transaction that queued work commits, and move
// workers out of the way of DROP DATABASE (a connected worker would make it fail).
#include "pg/hooks.hpp"

#include "pg/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "nodes/parsenodes.h"
#include "postmaster/bgworker.h"
#include "tcop/utility.h"
#include "utils/timestamp.h"
}

#include <csignal>

namespace docextract::pg {

namespace {

bool wake_at_commit = false;
bool wake_waiters_at_commit = false;
ProcessUtility_hook_type prev_process_utility = nullptr;

void on_xact_event(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT && wake_waiters_at_commit) {
        wake_waiters_at_commit = false;
        wake_waiters(MyDatabaseId);
    }
    if (event == XACT_EVENT_COMMIT && wake_at_commit) {
        wake_at_commit = false;
        // A database whose workers have not seen the extension yet (it was just created) gets
        // a fresh look from the launcher; otherwise an idle worker picks the job up.
        bool need_launcher = false;
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        DbSlot *db = find_db_slot(MyDatabaseId, true);
        if (db != nullptr && db->state != DbState::has_extension && db->state != DbState::dropping) {
            db->state = DbState::unknown;
            db->state_since = GetCurrentTimestamp();
            need_launcher = true;
        }
        LWLockRelease(shared->lock);
        if (need_launcher) wake_launcher();
        wake_database_workers(MyDatabaseId);
    } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
        wake_at_commit = false;
        wake_waiters_at_commit = false;
    }
}

// Signals the database's workers to leave and waits (up to 10 s) until they have.
void evict_workers(Oid dboid) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot *db = find_db_slot(dboid, false);
    if (db != nullptr) {
        db->state = DbState::dropping;
        db->state_since = GetCurrentTimestamp();
        for (auto &w : db->workers)
            if (w.pid != 0) kill(w.pid, SIGTERM);
    }
    LWLockRelease(shared->lock);
    if (db == nullptr) return;

    for (int i = 0; i < 1000; i++) {
        bool any = false;
        LWLockAcquire(shared->lock, LW_SHARED);
        for (auto &w : db->workers) any = any || w.pid != 0;
        LWLockRelease(shared->lock);
        if (!any) return;
        CHECK_FOR_INTERRUPTS();
        pg_usleep(10000L);
    }
}

// Lets the launcher start the database's workers again at once, instead of after the pause
// that follows an eviction.
void resume_workers(Oid dboid) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    DbSlot *db = find_db_slot(dboid, false);
    if (db != nullptr && db->state == DbState::dropping) {
        db->state = DbState::unknown;
        db->state_since = GetCurrentTimestamp();
    }
    LWLockRelease(shared->lock);
    if (db != nullptr) wake_launcher();
}

void process_utility(PlannedStmt *pstmt, const char *query, bool read_only_tree,
                     ProcessUtilityContext context, ParamListInfo params,
                     QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *qc) {
    Node *stmt = pstmt->utilityStmt;
    const char *dbname = nullptr;
    if (IsA(stmt, DropdbStmt))
        dbname = castNode(DropdbStmt, stmt)->dbname;
    else if (IsA(stmt, RenameStmt) && castNode(RenameStmt, stmt)->renameType == OBJECT_DATABASE)
        dbname = castNode(RenameStmt, stmt)->subname;
    volatile Oid evicted = InvalidOid;  // read in PG_CATCH, after a longjmp
    if (dbname != nullptr && shared != nullptr) {
        Oid dboid = get_database_oid(dbname, true);
        if (OidIsValid(dboid)) {
            evict_workers(dboid);
            evicted = dboid;
        }
    }

    PG_TRY();
    {
        if (prev_process_utility)
            prev_process_utility(pstmt, query, read_only_tree, context, params, query_env, dest, qc);
        else
            standard_ProcessUtility(pstmt, query, read_only_tree, context, params, query_env, dest, qc);
    }
    PG_CATCH();
    {
        // The database is still there (the DROP or RENAME failed): its workers come back.
        if (OidIsValid(evicted)) resume_workers(evicted);
        PG_RE_THROW();
    }
    PG_END_TRY();
    // A renamed database keeps its OID, by which workers connect: they may come back now. (A
    // dropped one stays "dropping" until the launcher no longer finds it; restarting its workers
    // before the drop commits would only have them wait for the drop's lock and fail.)
    if (OidIsValid(evicted) && IsA(stmt, RenameStmt)) resume_workers(evicted);
}

}  // namespace

void wake_at_commit_request() { wake_at_commit = true; }
void wake_waiters_at_commit_request() { wake_waiters_at_commit = true; }

bool is_docextract_worker() {
    return MyBgworkerEntry != nullptr && strcmp(MyBgworkerEntry->bgw_library_name, "docextract") == 0 &&
           strcmp(MyBgworkerEntry->bgw_function_name, "docextract_worker_main") == 0;
}

void install_session_hooks() {
    RegisterXactCallback(on_xact_event, nullptr);
    prev_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = process_utility;
}

}  // namespace docextract::pg

extern "C" {
PG_FUNCTION_INFO_V1(docextract_wake_workers);
PG_FUNCTION_INFO_V1(docextract_in_server_worker);
}

// wake_workers(): after this transaction commits, an idle worker of this database wakes up.
Datum docextract_wake_workers(PG_FUNCTION_ARGS) {
    docextract::pg::wake_at_commit_request();
    PG_RETURN_VOID();
}

// in_server_worker(): whether the caller is one of docextract's own background workers.
Datum docextract_in_server_worker(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(docextract::pg::is_docextract_worker());
}
