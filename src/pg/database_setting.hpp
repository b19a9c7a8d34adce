// docextract.workers as the sessions of a database get it when they connect: what the in-server
// workers check before they serve their database (README, Settings).
#pragma once

#include "pg/postgres_headers.hpp"

namespace docextract::pg {

// Both read pg_db_role_setting in a transaction of a backend connected to a database (opening
// that catalog reads pg_class, so the launcher cannot). What a database's sessions get without a
// setting of their own: ALTER ROLE ALL ... SET, else server_value (the server configuration's).
int workers_mode_default(int server_value);
// The database's ALTER DATABASE ... SET, else fallback (workers_mode_default()).
int workers_mode_of(Oid dboid, int fallback);

}  // namespace docextract::pg
