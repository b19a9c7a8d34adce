// Included last by every .cpp file of src/core: the core is plain C++17 and must compile without
// any PostgreSQL header, whose macros (snprintf, unlink, ...) break the C++ standard library and
// whose error handling (longjmp) skips destructors.
#pragma once

#if defined(PG_VERSION_NUM) || defined(POSTGRES_H) || defined(FMGR_H) || defined(C_H)
#define DOCEXTRACT_CORE_SAW_POSTGRES_HEADER 1
#else
#define DOCEXTRACT_CORE_SAW_POSTGRES_HEADER 0
#endif
static_assert(!DOCEXTRACT_CORE_SAW_POSTGRES_HEADER,
              "src/core must not include PostgreSQL headers; put PostgreSQL code in src/pg");
