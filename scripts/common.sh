# Shared by the scripts in this directory: run a command as an unprivileged user when we are root
# (PostgreSQL refuses to run as root), and make a temp directory that user can write.
pg_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# A fresh directory, owned by the PostgreSQL user, that removes itself when the script exits.
pg_tempdir() {
  local d
  d=$(mktemp -d /tmp/docextract.XXXXXX)
  chmod 755 "$d"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$d"; fi
  echo "$d"
}

PG_BINDIR=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
