// The background processes: the launcher and the per-database workers.
#pragma once

#include "pg/postgres_headers.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace docextract::pg {

// What the launcher tells a worker, in bgw_extra: its database slot and its index there, whether
// it only looks for work that came due (and leaves at once if there is none), and the database's
// name for application_name.
struct WorkerArgs {
    int slot;
    int index;
    bool look;
    char dbname[NAMEDATALEN];
};
static_assert(sizeof(WorkerArgs) <= BGW_EXTRALEN, "WorkerArgs must fit in bgw_extra");

void register_launcher();

}  // namespace docextract::pg
