#!/bin/sh
# Every .cpp file of src/core must include core/purity.hpp as its last #include: its static_assert
# can only see the PostgreSQL headers included before it.
status=0
for f in "$1"/src/core/*.cpp "$1"/src/core/*/*.cpp; do
  last=$(grep '^#include' "$f" | tail -n 1)
  if [ "$last" != '#include "core/purity.hpp"' ]; then
    echo "$f: the last #include is not core/purity.hpp" >&2
    status=1
  fi
done
# And the assertion does fire when a PostgreSQL header comes first.
probe=$(mktemp --suffix=.cpp)
printf '#include "postgres.h"\n#include "core/purity.hpp"\n' > "$probe"
if ! ${CXX:-g++} -std=c++17 -fsyntax-only -I "$1/src" -I "$(pg_config --includedir-server)" "$probe" 2>&1 |
    grep -q 'src/core must not include PostgreSQL headers'; then
  echo "core/purity.hpp did not reject postgres.h" >&2
  status=1
fi
rm -f "$probe"
exit $status
