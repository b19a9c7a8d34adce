#!/usr/bin/env bash
# Builds the Debian package (debian/, with pg_buildext), installs it in place of a `make install`,
# and runs the regression suite and the update-path TAP test against the installed package in
# clusters of their own. Leaves the package removed and the extension reinstalled from the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

work=$(pg_tempdir)
trap 'rm -rf "$work"' EXIT
echo "== package: build postgresql-15-docextract (dpkg-buildpackage)"
mkdir "$work/src"
chmod 755 "$work/src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src"
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
  dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || { tail -n 60 "$work/build.log"; exit 1; }
deb=$(ls "$work"/postgresql-15-docextract_*.deb)

# On a machine shared by several checkouts, DOCEXTRACT_INSTALL_LOCK names a lock file that
# serialises installs and the tests that use them.
if [ -n "${DOCEXTRACT_INSTALL_LOCK:-}" ]; then exec 9>"$DOCEXTRACT_INSTALL_LOCK"; flock 9; fi
echo "== package: install $(basename "$deb") in place of the tree's files"
as_root rm -f "$(pg_config --pkglibdir)/docextract.so" "$(pg_config --bindir)/docextract-extract" \
  "$(pg_config --sharedir)"/extension/docextract*
as_root dpkg -i "$deb" >/dev/null
for f in "$(pg_config --pkglibdir)/docextract.so" "$(pg_config --bindir)/docextract-extract" \
  "$(pg_config --sharedir)/extension/docextract.control" \
  "$(pg_config --sharedir)/extension/docextract--1.0.sql" \
  "$(pg_config --sharedir)/extension/docextract--1.1.sql" \
  "$(pg_config --sharedir)/extension/docextract--1.0--1.1.sql"; do
  dpkg -S "$f" >/dev/null || { echo "package: $f is not in the package" >&2; exit 1; }
done

echo "== package: regression suite and update path against the package (as $(pg_user))"
# The sources the package was built from, not the working tree (which may have moved on).
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work/src"
status=0
as_pg_user make -C "$work/src" installcheck INSTALLCHECK_SERVER=temp ISOLATION= \
  PROVE_TESTS=test/t/016_update_path.pl || status=$?
[ $status -ne 0 ] && [ -f "$work/src/regression.diffs" ] && tail -n 80 "$work/src/regression.diffs"

as_root dpkg -r postgresql-15-docextract >/dev/null
as_root make install >/dev/null
exit $status
