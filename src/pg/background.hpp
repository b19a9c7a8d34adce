// The background processes: the launcher and the per-database workers.
#pragma once

#include "pg/postgres_headers.hpp"

namespace docextract::pg {

// What the launcher tells a worker, in bgw_extra: its database slot and its index there.
struct WorkerArgs {
    int slot;
    int index;
};

void register_launcher();

}  // namespace docextract::pg
