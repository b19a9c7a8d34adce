#include "pg/boundary.hpp"

namespace docextract::pg {

namespace {

// Copies without palloc-ing: palloc could itself throw a PostgreSQL error here.
char *copy_or_null(const char *s) noexcept {
    if (s == nullptr || *s == '\0') return nullptr;
    return static_cast<char *>(MemoryContextStrdup(ErrorContext, s));
}

}  // namespace

void capture_exception(PendingError &pending) noexcept {
    // ErrorContext always has room reserved for reporting an error; using it means no
    // allocation here can fail into a longjmp while a C++ exception is being handled.
    try {
        throw;
    } catch (const PgError &e) {
        pending.pg = e.data();
    } catch (const UserError &e) {
        pending.sqlstate = e.sqlstate();
        pending.message = copy_or_null(e.what());
        pending.detail = copy_or_null(e.detail().c_str());
        pending.hint = copy_or_null(e.hint().c_str());
    } catch (const std::bad_alloc &) {
        pending.sqlstate = ERRCODE_OUT_OF_MEMORY;
        pending.message = copy_or_null("out of memory in docextract");
    } catch (const std::exception &e) {
        pending.message = copy_or_null(e.what());
    } catch (...) {
        pending.message = copy_or_null("unknown C++ exception in docextract");
    }
}

void raise_pending(const PendingError &pending) {
    if (pending.pg != nullptr) ReThrowError(pending.pg);
    ereport(ERROR, (errcode(pending.sqlstate),
                    errmsg_internal("%s", pending.message ? pending.message : "docextract error"),
                    pending.detail ? errdetail_internal("%s", pending.detail) : 0,
                    pending.hint ? errhint("%s", pending.hint) : 0));
    pg_unreachable();
}

char *pg_strdup(const std::string &s) {
    return pg_guard([&] { return pnstrdup(s.data(), s.size()); });
}

}  // namespace docextract::pg
