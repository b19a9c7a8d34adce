# Shared by the benchmark modules (bench/*/run.sh). bench/run sets, before calling a module:
#   PGHOST, PGPORT, PGUSER=postgres, PGDATABASE  the benchmark cluster (one for the whole run)
#   BENCH_MODE   quick | full
#   BENCH_OUT    the JSON file the module writes
#   BENCH_WORK   a scratch directory for the module
#   BENCH_PGDATA the cluster's data directory (for ALTER SYSTEM / restarts via bench_restart)
# A module writes one JSON object: {"module": NAME, "measurements": [ ... ]}, each measurement
#   {"name", "unit", "value" (the median), "runs": [...], "n", "settings": {...},
#    "better": "higher"|"lower", "compare_to": NAME?, "target_ratio": NUMBER?, "note": TEXT?}
# bench/report.py turns the modules' files into the results file, the summary and the plots.

bench_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Sets a server parameter and reloads (or restarts, with --restart).
bench_set() {
  local restart=false
  [ "$1" = "--restart" ] && { restart=true; shift; }
  bench_psql -c "ALTER SYSTEM SET $1 = '$2'" -c "SELECT pg_reload_conf()" >/dev/null
  if $restart; then bench_restart; fi
}

bench_restart() {
  runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$BENCH_PGDATA" -w -m fast restart \
    -l "$BENCH_PGDATA/../server.log" >/dev/null
}

# Median of the numbers on stdin.
bench_median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# Writes a measurement object (as one JSON line) to stdout: name unit better runs... -- settings-json
bench_measurement() {
  python3 - "$@" <<'PY'
import json, statistics, sys
args = sys.argv[1:]
name, unit, better = args[0], args[1], args[2]
rest = args[3:]
sep = rest.index('--') if '--' in rest else len(rest)
runs = [float(x) for x in rest[:sep]]
extra = json.loads(rest[sep + 1]) if sep + 1 < len(rest) else {}
m = {"name": name, "unit": unit, "better": better, "runs": runs,
     "value": statistics.median(runs) if runs else None, "n": len(runs)}
m.update(extra)
print(json.dumps(m))
PY
}

# Collects measurement lines (one JSON object per line) into the module file.
bench_write() {  # module-name < lines
  python3 -c '
import json, sys
ms = [json.loads(l) for l in sys.stdin if l.strip()]
json.dump({"module": sys.argv[1], "measurements": ms}, open(sys.argv[2], "w"), indent=1)
' "$1" "$BENCH_OUT"
}

# Sets docextract.workers_per_database and waits until that many workers run in this database.
bench_start_workers() {
  local want=$1 n=0
  bench_set docextract.workers_per_database "$want"
  for _ in $(seq 1 100); do
    n=$(psql -XAtq -c "SELECT count(*) FROM pg_stat_activity
                        WHERE backend_type = 'docextract worker' AND datname = current_database()")
    [ "$n" -ge "$want" ] && return 0
    sleep 0.2
  done
  echo "bench: only $n of $want workers started; server log:" >&2
  tail -20 "$BENCH_PGDATA/../server.log" >&2 || true
  return 1
}

# A JSON object from key=value arguments, for a measurement's settings; a value that parses as
# JSON stays JSON (numbers, objects), anything else is a string.
bench_settings() {
  python3 -c '
import json, sys
out = {}
for a in sys.argv[1:]:
    k, v = a.split("=", 1)
    try: out[k] = json.loads(v)
    except ValueError: out[k] = v
print(json.dumps(out))' "$@"
}
