#!/usr/bin/env bash
# Does an upload cost the same whether or not another owner already stored the same bytes? A
# difference would tell a user that someone holds a given file. Alternating pairs in one session:
# alice uploads bytes that bob stored, then fresh bytes of the same size; medians per round.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
rounds=3 pairs=200
[ "$BENCH_MODE" = full ] && { rounds=5; pairs=500; }

bench_psql <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_alice') THEN
    CREATE ROLE bench_alice LOGIN IN ROLE docextract_user;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_bob') THEN
    CREATE ROLE bench_bob LOGIN IN ROLE docextract_user;
  END IF;
END $$;
CREATE OR REPLACE FUNCTION public.bench_doc(salt text, size int) RETURNS bytea LANGUAGE sql AS $f$
  SELECT pg_catalog.convert_to(E'%PDF-1.4\n' || salt || E'\n', 'UTF8')
         || pg_catalog.decode(pg_catalog.repeat('00', size), 'hex')
         || pg_catalog.convert_to(E'\n%%EOF\n', 'UTF8') $f$;
SQL

lines=""
for size in 300 200000; do
  other=() fresh=()
  for r in $(seq 1 "$rounds"); do
    out=$(bench_psql -At 2>&1 <<SQL | sed -n 's/.*result \([0-9.e-]*\) \([0-9.e-]*\).*/\1 \2/p'
DO \$\$
DECLARE t0 timestamptz; i int; a float8[] := '{}'; b float8[] := '{}';
BEGIN
  FOR i IN 1..$pairs LOOP
    PERFORM docextract.upload_as('bench_bob', 'f.pdf', public.bench_doc('$size-$r-' || i, $size));
  END LOOP;
  FOR i IN 1..$pairs LOOP
    t0 := pg_catalog.clock_timestamp();
    PERFORM docextract.upload_as('bench_alice', 'f.pdf', public.bench_doc('$size-$r-' || i, $size));
    a := a || EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000;
    t0 := pg_catalog.clock_timestamp();
    PERFORM docextract.upload_as('bench_alice', 'f.pdf', public.bench_doc('$size-$r-fresh-' || i, $size));
    b := b || EXTRACT(epoch FROM pg_catalog.clock_timestamp() - t0) * 1000;
  END LOOP;
  RAISE NOTICE 'result % %',
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(a) AS x),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(b) AS x);
END \$\$;
SQL
    )
    other+=("${out% *}") fresh+=("${out#* }")
  done
  settings=$(bench_settings size_bytes="$size" pairs="$pairs" rounds="$rounds")
  lines+=$(bench_measurement "upload_ms_fresh_bytes_${size}b" ms lower "${fresh[@]}" -- \
    "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["settings"]=json.loads(sys.argv[2]); d["note"]="upload_as() of bytes nobody stored, median per round"; print(json.dumps(d))' '{}' "$settings")")$'\n'
  lines+=$(bench_measurement "upload_ms_bytes_other_owner_stored_${size}b" ms lower "${other[@]}" -- \
    "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["settings"]=json.loads(sys.argv[2]); d["compare_to"]="upload_ms_fresh_bytes_'"$size"'b"; d["note"]="upload_as() of bytes another owner stored; equal cost means no side channel"; print(json.dumps(d))' '{}' "$settings")")$'\n'
done
printf '%s' "$lines" | bench_write upload_timing
