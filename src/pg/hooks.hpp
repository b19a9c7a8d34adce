// Session hooks: commit-time wake-ups, database commands that need the workers gone, and keeping
// document bytes out of the server log.
#pragma once

namespace docextract::pg {

void install_session_hooks();
void wake_at_commit_request();
void wake_waiters_at_commit_request();
bool is_docextract_worker();
// A function received document bytes: until the transaction ends, an error is logged without
// the statement's text (which may hold the bytes as a literal).
void note_document_in_statement();

}  // namespace docextract::pg
