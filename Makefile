# docextract: PGXS build of the extension. The pure C++ core (src/core) and the sandboxed helper
# (src/bin) are built by CMake into $(CORE_BUILD); this Makefile links the core into docextract.so.
EXTENSION   = docextract
CORE_BUILD ?= build
MODULE_big  = docextract
PG_SOURCES  = $(sort $(wildcard src/pg/*.cpp))
OBJS        = $(PG_SOURCES:.cpp=.o)
# The install script of the newest version and the update scripts are assembled from
# src/sql/install and src/sql/updates (src/sql/README.md); released install scripts are kept as is.
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" docextract.control)
SQL_BUILT   = $(CORE_BUILD)/sql
SQL_PARTS   = $(sort $(wildcard src/sql/install/*.sql))
SQL_UPDATES = $(wildcard src/sql/updates/docextract--*--*.sql)
DATA        = $(wildcard src/sql/docextract--*.sql)
DATA_built  = $(SQL_BUILT)/docextract--$(EXTVERSION).sql \
              $(patsubst src/sql/updates/%,$(SQL_BUILT)/%,$(SQL_UPDATES))
DOCS        = README.md

CORE_LIB    = $(CORE_BUILD)/src/core/libdocextract_core.a
HELPER      = $(CORE_BUILD)/src/bin/docextract-extract

# pg_regress (PG 15 has no --expecteddir) reads sql/<test>.sql and expected/<test>.out beside it,
# so the top level is the input directory.
REGRESS      = schema validation upload jobs views worker_api search security
# Isolation tests (isolationtester): races between claims, cancels, deletes, reclaims and
# uploads. pg_isolation_regress reads isolation/specs/<test>.spec and isolation/expected/<test>.out
# (the later --inputdir wins over PGXS's own).
ISOLATION    = complete_cancel claim_cancel reclaim_complete upload_dedupe fair_claims
# Where the regress and isolation suites run (README, Testing): "temp", temporary instances of
# their own (test/docextract.conf), or "live", the running server that PGHOST, PGPORT and PGUSER
# point to, which must preload docextract. Live is the default when one of those is set. Either
# way the tests keep the server's workers off their databases (docextract.workers), and the TAP
# tests start clusters of their own.
INSTALLCHECK_SERVER ?= $(if $(PGHOST)$(PGPORT)$(PGUSER),live,temp)
ifeq ($(INSTALLCHECK_SERVER),temp)
REGRESS_OPTS   = --inputdir=. --temp-instance=tmp_check_regress --temp-config=test/docextract.conf
ISOLATION_OPTS = --inputdir=isolation --temp-instance=tmp_check_iso --temp-config=test/docextract.conf
else ifeq ($(INSTALLCHECK_SERVER),live)
REGRESS_OPTS   = --inputdir=.
ISOLATION_OPTS = --inputdir=isolation
REGRESS_PREP   = live-server-check
else
$(error INSTALLCHECK_SERVER must be temp or live, not "$(INSTALLCHECK_SERVER)")
endif
TAP_TESTS    = 1
PROVE_TESTS  = test/t/*.pl
EXTRA_CLEAN  = $(CORE_BUILD) tmp_check_regress results regression.diffs regression.out \
               tmp_check_iso output_iso $(OBJS:.o=.d)

PG_CPPFLAGS  = -Isrc -DDOCEXTRACT_EXTVERSION='"$(EXTVERSION)"'
# PostgreSQL's headers use 'register' and leave parameters unused; those warnings are theirs.
PG_CXXFLAGS  = -std=c++17 -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
               -Wno-register
# Header dependencies (Debian's PGXS has autodepend off): a changed shared-memory struct must
# recompile every file that uses it.
PG_CXXFLAGS += -MMD -MP
SHLIB_LINK   = $(CORE_LIB) -lmagic -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
# Debian builds PostgreSQL with LLVM JIT; no bitcode is emitted for docextract's C++, which is
# called through fmgr and would gain nothing from inlining.
override with_llvm = no
include $(PGXS)
-include $(OBJS:.o=.d)

$(SQL_BUILT)/docextract--$(EXTVERSION).sql: $(SQL_PARTS) scripts/assemble-sql.pl
	@mkdir -p $(@D)
	perl scripts/assemble-sql.pl install src/sql/install > $@.tmp && mv $@.tmp $@

$(SQL_BUILT)/docextract--%.sql: src/sql/updates/docextract--%.sql $(SQL_PARTS) scripts/assemble-sql.pl
	@mkdir -p $(@D)
	perl scripts/assemble-sql.pl update src/sql/install $< > $@.tmp && mv $@.tmp $@

.PHONY: core
core:
	cmake -S . -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(CORE_BUILD) -j2

$(CORE_LIB): core
$(OBJS): | core
$(shlib): $(CORE_LIB)

# Before the suites touch a live server: fail early, and clearly, if it cannot run them.
.PHONY: live-server-check
live-server-check:
	scripts/check-live-server.sh '$(bindir)/psql'

install: install-helper
.PHONY: install-helper
install-helper: core
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(HELPER) '$(DESTDIR)$(bindir)/docextract-extract'
	$(INSTALL_PROGRAM) $(CORE_BUILD)/src/bin/docextract/docextract '$(DESTDIR)$(bindir)/docextract'
