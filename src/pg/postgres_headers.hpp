// The one way src/pg includes PostgreSQL. C++ standard headers come first: PostgreSQL's port.h
// turns snprintf, vsnprintf, unlink, ... into macros that break standard headers included later.
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
}
