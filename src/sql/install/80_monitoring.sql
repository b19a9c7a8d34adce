-- Monitoring.

CREATE OR REPLACE FUNCTION docextract.worker_stats_all(
    OUT database oid, OUT state text, OUT workers integer, OUT idle_workers integer,
    OUT claimed bigint, OUT completed bigint, OUT failed bigint, OUT retried bigint,
    OUT reclaimed bigint, OUT helper_crashes bigint, OUT timeouts bigint, OUT cancelled bigint,
    OUT processing_ms bigint)
RETURNS SETOF record
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'docextract_worker_stats';
COMMENT ON FUNCTION docextract.worker_stats_all() IS 'Shared-memory state and counters of the workers of every database.';

CREATE VIEW docextract.worker_stats AS
SELECT d.datname, s.state, s.workers, s.idle_workers, s.claimed, s.completed, s.failed,
       s.retried, s.reclaimed, s.helper_crashes, s.timeouts, s.cancelled,
       s.processing_ms / 1000.0 AS processing_seconds
  FROM docextract.worker_stats_all() AS s
  JOIN pg_catalog.pg_database AS d ON d.oid = s.database;
COMMENT ON VIEW docextract.worker_stats IS 'Workers and their counters per database, since the server started.';

CREATE VIEW docextract.queue_stats WITH (security_invoker = true) AS
SELECT st.status,
       pg_catalog.count(j.id) AS jobs,
       pg_catalog.max(pg_catalog.now() - j.created_at) FILTER (WHERE j.status = 'pending') AS oldest_age,
       pg_catalog.count(j.id) FILTER (WHERE j.status = 'pending' AND j.run_after > pg_catalog.now()) AS waiting_for_retry
  FROM (VALUES ('pending'), ('processing'), ('completed'), ('failed'), ('cancelled')) AS st(status)
  LEFT JOIN docextract.extraction_jobs AS j ON j.status = st.status
 GROUP BY st.status;
COMMENT ON VIEW docextract.queue_stats IS 'Jobs per status, the age of the oldest pending job, and the jobs waiting for a retry.';

-- A Prometheus label value: backslash, double quote and line feed escaped (exposition format).
CREATE OR REPLACE FUNCTION docextract.prometheus_label(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(value, E'\\', E'\\\\'),
                                                 '"', E'\\"'), E'\n', E'\\n')
$$;
COMMENT ON FUNCTION docextract.prometheus_label(text) IS 'The value escaped for a Prometheus label: backslash, double quote and line feed.';

CREATE OR REPLACE FUNCTION docextract.metrics() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.string_agg(line, E'\n' ORDER BY ord) OPERATOR(pg_catalog.||) E'\n'
      FROM (
        SELECT 1 AS ord, '# HELP docextract_jobs Extraction jobs by status.' AS line
        UNION ALL SELECT 2, '# TYPE docextract_jobs gauge'
        UNION ALL SELECT 3, pg_catalog.format('docextract_jobs{database="%s",status="%s"} %s',
                   docextract.prometheus_label(pg_catalog.current_database()), q.status, q.jobs)
          FROM docextract.queue_stats AS q
        UNION ALL SELECT 4, '# HELP docextract_oldest_pending_seconds Age of the oldest pending job.'
        UNION ALL SELECT 5, '# TYPE docextract_oldest_pending_seconds gauge'
        UNION ALL SELECT 6, pg_catalog.format('docextract_oldest_pending_seconds{database="%s"} %s',
                   docextract.prometheus_label(pg_catalog.current_database()),
                   coalesce(EXTRACT(epoch FROM q.oldest_age), 0))
          FROM docextract.queue_stats AS q WHERE q.status OPERATOR(pg_catalog.=) 'pending'
        UNION ALL SELECT 7, '# HELP docextract_worker_events_total Worker events since server start.'
        UNION ALL SELECT 8, '# TYPE docextract_worker_events_total counter'
        UNION ALL SELECT 9, pg_catalog.format('docextract_worker_events_total{database="%s",event="%s"} %s',
                   docextract.prometheus_label(w.datname), e.event, e.n)
          FROM docextract.worker_stats AS w,
               LATERAL (VALUES ('claimed', w.claimed), ('completed', w.completed),
                               ('failed', w.failed), ('retried', w.retried),
                               ('reclaimed', w.reclaimed), ('helper_crash', w.helper_crashes),
                               ('timeout', w.timeouts), ('cancelled', w.cancelled)) AS e(event, n)
        UNION ALL SELECT 10, '# HELP docextract_processing_seconds_total Time spent extracting.'
        UNION ALL SELECT 11, '# TYPE docextract_processing_seconds_total counter'
        UNION ALL SELECT 12, pg_catalog.format('docextract_processing_seconds_total{database="%s"} %s',
                   docextract.prometheus_label(w.datname), w.processing_seconds)
          FROM docextract.worker_stats AS w
        UNION ALL SELECT 13, '# HELP docextract_workers Running workers.'
        UNION ALL SELECT 14, '# TYPE docextract_workers gauge'
        UNION ALL SELECT 15, pg_catalog.format('docextract_workers{database="%s"} %s',
                   docextract.prometheus_label(w.datname), w.workers)
          FROM docextract.worker_stats AS w
      ) AS m
$$;
COMMENT ON FUNCTION docextract.metrics() IS 'Queue and worker metrics in the Prometheus text exposition format.';
