// The C++/PostgreSQL boundary. Two rules, one mechanism each:
//
// 1. No C++ exception may unwind through a PostgreSQL frame. Every SQL-callable function runs its
//    C++ work inside call_cpp(), which catches everything, lets the C++ frames unwind, and only
//    then raises the error with ereport (or re-throws the PostgreSQL error that caused it).
//
// 2. No PostgreSQL longjmp may skip a C++ destructor. Every PostgreSQL call made from C++ code
//    that holds RAII objects goes through pg_guard(), whose sigsetjmp sits deeper than any such
//    object: a PostgreSQL error becomes a PgError exception, which unwinds normally.
//
// Inside call_cpp(), throw UserError for errors the user caused (with its SQLSTATE); anything
// else is reported as an internal error.
#pragma once

#include "pg/postgres_headers.hpp"

namespace docextract::pg {

// A PostgreSQL error caught by pg_guard(), carried through C++ frames as an exception.
class PgError final : public std::exception {
public:
    explicit PgError(ErrorData *data) : data_(data) {}
    const char *what() const noexcept override { return data_->message ? data_->message : "error"; }
    ErrorData *data() const { return data_; }

private:
    ErrorData *data_;
};

// An error for the user: message, detail and hint follow the PostgreSQL message style guide.
class UserError final : public std::exception {
public:
    UserError(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
        : sqlstate_(sqlstate), message_(std::move(message)), detail_(std::move(detail)),
          hint_(std::move(hint)) {}
    const char *what() const noexcept override { return message_.c_str(); }
    int sqlstate() const { return sqlstate_; }
    const std::string &detail() const { return detail_; }
    const std::string &hint() const { return hint_; }

private:
    int sqlstate_;
    std::string message_, detail_, hint_;
};

// What call_cpp() carries out of a catch block: plain C strings in the caller's memory context,
// so no C++ object is alive when ereport longjmps.
struct PendingError {
    ErrorData *pg = nullptr;
    int sqlstate = ERRCODE_INTERNAL_ERROR;
    char *message = nullptr;
    char *detail = nullptr;
    char *hint = nullptr;
};

void capture_exception(PendingError &pending) noexcept;
[[noreturn]] void raise_pending(const PendingError &pending);

// Runs a C++ callable from a PostgreSQL frame (rule 1). The callable's result must be trivially
// copyable (a Datum, a pointer, a number) or void.
template <typename F>
auto call_cpp(F &&fn) -> decltype(fn()) {
    using Result = decltype(fn());
    static_assert(std::is_void_v<Result> || std::is_trivially_copyable_v<Result>,
                  "call_cpp must return a PostgreSQL value, not a C++ object");
    PendingError pending;
    try {
        return fn();
    } catch (...) {
        capture_exception(pending);
    }
    raise_pending(pending);
}

// Runs a PostgreSQL call from C++ (rule 2). Keep the callable to the PostgreSQL call itself: any
// C++ object it creates would be skipped by the longjmp this guard exists to catch.
template <typename F>
auto pg_guard(F &&fn) -> decltype(fn()) {
    using Result = decltype(fn());
    static_assert(std::is_void_v<Result> || std::is_scalar_v<Result>,
                  "pg_guard must return a PostgreSQL value: a Datum, a pointer or a number");
    MemoryContext volatile caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    if constexpr (std::is_void_v<Result>) {
        PG_TRY();
        {
            fn();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller_context);
            error = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (error != nullptr) throw PgError(error);
    } else {
        // volatile: the value must survive sigsetjmp's return.
        Result volatile result{};
        PG_TRY();
        {
            result = fn();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller_context);
            error = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (error != nullptr) throw PgError(error);
        return result;
    }
}

// pstrdup under pg_guard: copies a C++ string into the current memory context.
char *pg_strdup(const std::string &s);

}  // namespace docextract::pg
