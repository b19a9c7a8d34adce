// Session hooks: commit-time wake-ups and DROP DATABASE handling.
#pragma once

namespace docextract::pg {

void install_session_hooks();
void wake_at_commit_request();
void wake_waiters_at_commit_request();
bool is_docextract_worker();

}  // namespace docextract::pg
